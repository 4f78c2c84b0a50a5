"""The wire contract as pydantic models: the one source of docs/contract.md's shapes.

One module per namespace (:mod:`.charts`, :mod:`.tasks` for ``/logs``,
:mod:`.debug`, :mod:`.chat`, :mod:`.alerts`), plus :mod:`.auth` for the REST bodies the SPA
sends and :mod:`.base` for what every namespace shares (acks, errors,
``resync``). :mod:`.registry` lists every event of every namespace with its
payload, ack and pushed models; :mod:`.export` turns that list into the JSON
Schema committed as ``docs/contract.schema.json``, from which the SPA's
TypeScript types and limits are generated (``npm run gen:contract``).

The handlers validate with these same models (``parse(Model, data)``); the
ack and event models describe what the server sends and are checked against
real server output by ``tests/contract``. Nothing here imports Flask, the
database or a service, so the schema can be exported without an app.
"""
