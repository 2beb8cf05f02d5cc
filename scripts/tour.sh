#!/usr/bin/env bash
# The README's walkthrough, as it runs: an account, the catalog, an order paid, shipped
# and delivered, and the CLI, against a running server. Paste it line by line, or run
# it whole (CI does, against a real server):
#
#   make run &            # or any server; BASE says where
#   scripts/tour.sh
#
# Every id and cursor is captured from the answer before it; what the tour writes is
# cleaned up at the end (its product archived, its account deactivated, its file
# removed). Run it as often as you like: each run has an account and a SKU of its own.
set -euo pipefail

BASE=${BASE:-http://127.0.0.1:8000}
API=$BASE/api/v1
EMPORIUM=${EMPORIUM:-.venv/bin/emporium}
run=$(date +%s)-$$
field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
say() { printf '\n# %s\n' "$*"; }

say "Wait until the server is ready (a first make run installs .venv first: minutes)"
for _ in $(seq 600); do curl -sf "$BASE/health/ready" >/dev/null && break; sleep 0.5; done
curl -sf "$BASE/health/ready"; echo

say "Register (JSON): 201 and the user, never the password"
EMAIL=ada-$run@example.com
curl -sf "$API/auth/register" -H 'Content-Type: application/json' \
  -d '{"email": "'"$EMAIL"'", "password": "correct horse battery", "full_name": "Ada Lovelace"}'
echo

say "Sign in: the OAuth2 password flow, form-encoded, the email as username"
TOKEN=$(curl -sf "$API/auth/token" -d "username=$EMAIL" -d 'password=correct horse battery' \
  | field '["access_token"]')
curl -sf "$API/users/me" -H "Authorization: Bearer $TOKEN"; echo

say "A demo shop: an admin, customers and products (made once, kept after)"
"$EMPORIUM" seed demo --password 'demo password' >/dev/null
ADMIN=$(curl -sf "$API/auth/token" -d username=admin@demo.emporium.dev -d 'password=demo password' \
  | field '["access_token"]')

say "Anyone browses and searches; a Link header names the next page"
curl -sf "$API/products?q=mug&in_stock=true&sort=price&limit=5" | field '["items"][0]["name"]'
CURSOR=$(curl -sf "$API/products?sort=-price&limit=5" | field '["next_cursor"]')
curl -sf "$API/products?sort=-price&limit=5&cursor=$CURSOR" | field '["items"][0]["name"]'

say "An admin adds a product: 201, Location and ETag: \"1\""
SKU=TOUR-$run
ID=$(curl -sf "$API/products" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"sku": "'"$SKU"'", "name": "Milk jug", "price": {"amount": "18.50", "currency": "USD"}, "stock": 12}' \
  | field '["id"]')
curl -s -o /dev/null -w '%{http_code} while version 1 is current\n' "$API/products/$ID" \
  -H 'If-None-Match: "1"'
curl -sf -X PATCH "$API/products/$ID" -H "Authorization: Bearer $ADMIN" -H 'If-Match: "1"' \
  -H 'Content-Type: application/json' -d '{"price": {"amount": "19.00", "currency": "USD"}}' \
  | field '["price"]'
curl -s -o /dev/null -w '%{http_code} version_mismatch: "1" is no longer current\n' \
  -X PATCH "$API/products/$ID" -H "Authorization: Bearer $ADMIN" -H 'If-Match: "1"' \
  -H 'Content-Type: application/json' -d '{"name": "Jug"}'
curl -sf "$API/products/$ID/stock-adjustments" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d '{"delta": -2, "reason": "two broken in the shop"}' \
  | field '["stock"]'
curl -sf "$API/products/$ID/stock-movements" -H "Authorization: Bearer $ADMIN" \
  | field '["items"][0]["reason"]'

say "In bulk, from the CLI"
CATALOG=$(mktemp --suffix=.csv)
"$EMPORIUM" products export --output "$CATALOG"
"$EMPORIUM" products import "$CATALOG" --dry-run

say "A customer orders two products: the stock is reserved until paid"
SHOPPER=$(curl -sf "$API/auth/token" -d "username=$EMAIL" -d 'password=correct horse battery' \
  | field '["access_token"]')
OTHER=$(curl -sf "$API/products?q=mug&in_stock=true&limit=1" | field '["items"][0]["id"]')
ORDER=$(curl -sf "$API/orders" -H "Authorization: Bearer $SHOPPER" \
  -H 'Content-Type: application/json' -H "Idempotency-Key: tour-$run" \
  -d '{"lines": [{"product_id": "'"$ID"'", "quantity": 2}, {"product_id": "'"$OTHER"'", "quantity": 1}],
       "shipping_address": {"name": "Ada Lovelace", "line1": "12 St James Square",
                            "city": "London", "postal_code": "SW1Y 4JH", "country": "GB"}}' \
  | field '["id"]')
echo "order $ORDER"

say "A declined card (402, the order stays pending), then one that pays"
curl -s -o /dev/null -w '%{http_code} payment_declined\n' "$API/orders/$ORDER/pay" \
  -H "Authorization: Bearer $SHOPPER" -H 'Content-Type: application/json' \
  -d '{"payment_token": "tok_chargeDeclined"}'
curl -sf "$API/orders/$ORDER/pay" -H "Authorization: Bearer $SHOPPER" \
  -H 'Content-Type: application/json' -d '{"payment_token": "tok_visa"}' | field '["status"]'

say "The shop ships (the CLI) and delivers (the API)"
"$EMPORIUM" orders ship "$ORDER" --tracking 1Z999AA10123456784 >/dev/null
curl -sf -X POST "$API/orders/$ORDER/deliver" -H "Authorization: Bearer $ADMIN" | field '["status"]'
curl -sf "$API/orders" -H "Authorization: Bearer $SHOPPER" | field '["items"][0]["status"]'

say "Clean up what the tour wrote"
curl -sf -o /dev/null -X DELETE "$API/products/$ID" -H "Authorization: Bearer $ADMIN"
"$EMPORIUM" users deactivate "$EMAIL" >/dev/null
rm -f "$CATALOG"
echo "tour done"
