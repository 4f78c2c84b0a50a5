# Sourced by the install scripts: `apt_install PACKAGE...` installs Debian
# packages without recommends, as root or through sudo, retrying while another
# apt run holds the dpkg lock.
apt_install() {
  local sudo="" attempt
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: $*"
  export DEBIAN_FRONTEND=noninteractive
  for attempt in 1 2 3 4 5 6; do
    if $sudo apt-get update -qq && \
       $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null; then
      return 0
    fi
    echo "apt-get failed (attempt $attempt), retrying in 20 s" >&2
    sleep 20
  done
  return 1
}
