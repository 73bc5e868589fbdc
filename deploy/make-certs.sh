#!/bin/sh
# The control plane's certificates for deploy/: a CA and a server certificate it signs, for the
# names clients dial (coordinator, localhost, 127.0.0.1, plus any in EXTRA_SANS, e.g.
# EXTRA_SANS="DNS:coordinator.tidewater.svc,DNS:tw.example.com"). Clients trust ca.pem
# (TIDEWATER_TLS_CA); the coordinator serves coordinator.pem/coordinator.key.
#
#   sh deploy/make-certs.sh [out-dir]      # default deploy/certs (git-ignored)
#
# Refuses to overwrite an existing CA: clients already trust it. Delete the directory to start over.
set -eu

out=${1:-$(dirname "$0")/certs}
days=${DAYS:-825}
sans="DNS:coordinator,DNS:localhost,IP:127.0.0.1${EXTRA_SANS:+,$EXTRA_SANS}"

if [ -e "$out/ca.pem" ]; then
  echo "make-certs: $out/ca.pem exists; delete $out to make new certificates" >&2
  exit 1
fi
mkdir -p "$out"
umask 077

openssl req -x509 -newkey rsa:3072 -nodes -days "$days" -subj '/CN=tidewater control-plane CA' \
  -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
  -keyout "$out/ca.key" -out "$out/ca.pem" 2>/dev/null
openssl req -newkey rsa:3072 -nodes -subj '/CN=coordinator' \
  -keyout "$out/coordinator.key" -out "$out/coordinator.csr" 2>/dev/null
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$sans" >"$out/coordinator.ext"
openssl x509 -req -in "$out/coordinator.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" -CAcreateserial \
  -days "$days" -extfile "$out/coordinator.ext" -out "$out/coordinator.pem" 2>/dev/null
rm -f "$out/coordinator.csr" "$out/coordinator.ext" "$out/ca.srl"

# The containers run as uid 1000 (user node) and a bind mount keeps the host's owner, so the
# server key must be readable by others on this host; the CA key stays private (0600).
chmod 0644 "$out/ca.pem" "$out/coordinator.pem" "$out/coordinator.key"
chmod 0755 "$out"
echo "make-certs: wrote $out/ca.pem, $out/coordinator.pem, $out/coordinator.key ($sans)"
