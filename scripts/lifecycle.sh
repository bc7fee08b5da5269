#!/usr/bin/env bash
# Carries one request from a Korean officer to the Cambodian task force and back to closure, with curl and jq,
# against a server started with `dotnet run --project src/JointOps.Server` (Development users).
set -euo pipefail
BASE=${BASE:-http://localhost:5080}
PASSWORD=${PASSWORD:-JointOps-Dev-2026!}

token() {  # sign in as a seeded user, print the bearer token
  curl -sf "$BASE/api/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1@jointops.test\",\"password\":\"$PASSWORD\"}" | jq -r .accessToken
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
