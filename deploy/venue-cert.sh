#!/usr/bin/env bash
# Make a small certificate authority and a server certificate for this machine's LAN
# addresses, so that phones at a venue can use the scanner's camera and offline mode
# (browsers allow both only over https). Install certs/venue-ca.crt once on each phone
# (Android: Settings > Security > Encryption & credentials > Install a certificate > CA);
# a self-signed server certificate alone is not enough: Chrome refuses service workers on
# a page with a certificate error.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p certs
ips=$(hostname -I 2>/dev/null || true)
san="DNS:localhost,IP:127.0.0.1"
for ip in $ips; do san="$san,IP:$ip"; done
if [ ! -f certs/venue-ca.key ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=Dao tao - CA tai cho" \
    -keyout certs/venue-ca.key -out certs/venue-ca.crt >/dev/null 2>&1
fi
openssl req -newkey rsa:2048 -nodes -subj "/CN=$(hostname)" -keyout certs/server.key -out certs/server.csr >/dev/null 2>&1
printf "subjectAltName=%s\nextendedKeyUsage=serverAuth\n" "$san" > certs/server.ext
openssl x509 -req -in certs/server.csr -CA certs/venue-ca.crt -CAkey certs/venue-ca.key -CAcreateserial \
  -days 825 -extfile certs/server.ext -out certs/server.crt >/dev/null 2>&1
echo "certs/server.crt for: $san"
echo "Install certs/venue-ca.crt on each phone, then open https://<this machine's address>:8443/scan/"
