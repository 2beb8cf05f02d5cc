"""A webhook receiver for Emporium with nothing but the standard library: it checks the
Standard Webhooks signature (any of the space-separated ``v1,`` ones, so a rotated secret
keeps working), refuses a timestamp more than 5 minutes off, drops an event it has seen
by its ``webhook-id`` (deliveries are at least once), and prints each new event.

    python examples/webhook_receiver.py --port 9000 --secret whsec_...

Answers 204 when the event is taken (or was already), 400 when the signature or the
timestamp is wrong. A real receiver keeps the ids it has seen in its database, in the
transaction that acts on the event."""

import argparse
import base64
import hashlib
import hmac
import http.server
import json
import time

TOLERANCE_SECONDS = 5 * 60


def verified(secret: str, headers: dict[str, str], body: bytes) -> bool:
    message_id, timestamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.digest(key, signed, hashlib.sha256)).decode()
    return any(
        version == "v1" and hmac.compare_digest(signature, expected)
        for version, _, signature in (
            s.partition(",") for s in headers.get("webhook-signature", "").split()
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    seen: set[str] = set()

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            if not verified(args.secret, headers, body):
                self.send_response(400)
            else:
                if headers["webhook-id"] not in seen:
                    seen.add(headers["webhook-id"])
                    event = json.loads(body)
                    print(json.dumps({"id": headers["webhook-id"], "type": event["type"]}))
                self.send_response(204)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Receiver).serve_forever()


if __name__ == "__main__":
    main()
