"""The `colours` task: ANSI colours, markup that must stay text, a long line, directives."""

import sys

print("::step build")
print("\x1b[31mred alert\x1b[0m and \x1b[1;32mbold green\x1b[0m")
print("<b>not bold</b> <img src=x onerror=alert(1)>")
print("::progress 50")
print("needle one")
print("long " + "x" * 400 + " END-OF-LONG-LINE")
print("needle two", file=sys.stderr)
print("::step-done")
print("NEEDLE three")
