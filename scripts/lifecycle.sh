#!/usr/bin/env bash
# Carries one request from a Korean officer to the Cambodian task force and back to closure, with curl and jq,
# against a server started with `dotnet run --project src/JointOps.Server` (Development users).
set -euo pipefail
BASE=${BASE:-http://localhost:5080}
PASSWORD=${PASSWORD:-JointOps-Dev-2026!}

KEY=${KEY:-JBSWY3DPEHPK3PXP}  # Development:AuthenticatorKey of the seeded users whose role requires two-factor

code() {  # the authenticator code for now (RFC 6238: HMAC-SHA1, 30 s, 6 digits)
  python3 -c 'import base64,hmac,struct,sys,time
h = hmac.new(base64.b32decode(sys.argv[1]), struct.pack(">Q", int(time.time()) // 30), "sha1").digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$KEY"
}

token() {  # sign in as a seeded user, print the bearer token (the code is ignored for roles without two-factor)
  curl -sf "$BASE/api/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1@jointops.test\",\"password\":\"$PASSWORD\",\"twoFactorCode\":\"$(code)\"}" | jq -r .accessToken
}

decide() {  # user decision [comment]: take a decision on the request's current version
  local t version
  t=$(token "$1")
  version=$(curl -sf "$BASE/api/requests/$ID" -H "authorization: Bearer $t" | jq .version)
  curl -sf "$BASE/api/requests/$ID/decisions" -H "authorization: Bearer $t" -H 'content-type: application/json' \
    -d "{\"decision\":\"$2\",\"comment\":\"${3:-}\",\"version\":$version}" | jq -r '"\(.reference)  \(.status)  step: \(.step.id // "-")"'
}

OFFICER=$(token officer.kr)
ID=$(curl -sf "$BASE/api/requests" -H "authorization: Bearer $OFFICER" -H 'content-type: application/json' -d '{
  "type": "evidence-exchange", "priority": "normal", "receivingCountry": "KH",
  "title": "Call records of a scam compound in Sihanoukville",
  "facts": "A syndicate operating from a compound in Sihanoukville defrauded 41 victims in Korea.",
  "legalBasis": "Reciprocity", "measures": ["Call records of +855 12 345 678, March to August 2026"],
  "submit": true }' | jq -r .id)
echo "submitted $ID"

decide supervisor.kr approve
decide central.kr approve "Transmitted to the task force."
decide liaison.kh acknowledge
decide approver.kh request-information "Which building of the compound?"
decide officer.kr provide-information "Building C, third floor."
decide approver.kh approve
decide executing.kh deliver-results "Records delivered through the liaison."
decide officer.kr accept

curl -sf "$BASE/api/requests/$ID/history" -H "authorization: Bearer $(token auditor.kr)" \
  | jq -r '"audit chain verified: \(.verified), \(.entries | length) entries"'
