// A client generated from the running app's /openapi.json by openapi-typescript, used
// through openapi-fetch, does what a shop's client does: register, sign in, browse,
// order, have a card declined, pay, read the order. Type-checked (tsc --strict), then
// run by .ci/clients:
//
//     npx tsx tour.ts http://127.0.0.1:8000
import createClient from "openapi-fetch";
import type { paths } from "./emporium";

const base = process.argv[2];
const password = "a generated client's password";
const client = createClient<paths>({ baseUrl: base });

function check(condition: boolean, what: string, answer?: unknown): asserts condition {
  if (!condition) throw new Error(`${what}: ${JSON.stringify(answer)}`);
}

const email = `typescript-${Date.now()}@example.com`;
const registered = await client.POST("/api/v1/auth/register", {
  body: { email, password, full_name: "Ts" },
});
check(registered.response.status === 201, "register", registered.error);

// The OAuth2 password flow: a form, not JSON (openapi-fetch sends JSON unless told).
const signedIn = await client.POST("/api/v1/auth/token", {
  body: { username: email, password },
  bodySerializer: (form) => new URLSearchParams(form as Record<string, string>),
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
});
check(signedIn.data !== undefined, "sign in", signedIn.error);
const auth = { Authorization: `Bearer ${signedIn.data.access_token}` };

const page = await client.GET("/api/v1/products", {
  params: { query: { sort: "-price", in_stock: true } },
});
check(page.data !== undefined && page.data.items.length > 0, "browse", page.error);
const product = page.data.items[0];

const placed = await client.POST("/api/v1/orders", {
  headers: { ...auth, "Idempotency-Key": `typescript-${Date.now()}` },
  body: {
    lines: [{ product_id: product.id, quantity: 1 }],
    shipping_address: {
      name: "Ada Lovelace",
      line1: "12 St James Square",
      city: "London",
      postal_code: "SW1Y 4JH",
      country: "GB",
    },
  },
});
check(placed.data?.status === "pending_payment", "order", placed.error);
const path = { order_id: placed.data.id };

const declined = await client.POST("/api/v1/orders/{order_id}/pay", {
  params: { path },
  headers: auth,
  body: { payment_token: "tok_chargeDeclined" },
});
check(declined.error?.code === "payment_declined", "declined", declined.error);
const paid = await client.POST("/api/v1/orders/{order_id}/pay", {
  params: { path },
  headers: auth,
  body: { payment_token: "tok_visa" },
});
check(paid.data?.status === "paid", "pay", paid.error);
const read = await client.GET("/api/v1/orders/{order_id}", { params: { path }, headers: auth });
check(read.data?.total.amount === product.price.amount, "read", read.data);
console.log(`typescript client: ordered ${product.sku}, declined, paid, read back`);
