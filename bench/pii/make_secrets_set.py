"""Build ``bench/pii/secrets.jsonl``: a span-labelled SECRET evaluation set in the shared scorer's format.

The dev set has no SECRET spans, so this set measures SECRET precision and recall. Every record is written
from a template of realistic prose, configuration or code around a freshly generated random credential
(random bytes from a seeded generator: the output is identical on every run, and no value is a real key).
Half of the templates are look-alikes that must NOT be reported: UUIDs, git SHAs, sha256/md5 digests, base64
images, documentation placeholders (``sk-xxxx``, ``YOUR_API_KEY``, ``<token>``, ``${VAR}``), versions, order
and tracking numbers, key *identifiers*, file paths, and prose about passwords and tokens.

    python bench/pii/make_secrets_set.py            # writes bench/pii/secrets.jsonl
    python /work/shared/tools/pii_score.py --module bench/pii/detect.py:detect \\
        --gold bench/pii/secrets.jsonl --labels SECRET

Templates mark the secret with ``[[...]]``; the builder removes the brackets and records the span. A value
that must stay unlabelled is just written in.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

SEED = 20261127
PER_TEMPLATE = 6
ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
UPPER_B32 = string.ascii_uppercase + "234567"


def _s(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _jwt(rng: random.Random) -> str:
    header = {"alg": rng.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
    if rng.random() < 0.5:
        header["kid"] = _s(rng, ALNUM, 16)
    claims = {
        "sub": str(rng.randrange(10**6, 10**9)),
        "iat": rng.randrange(1_600_000_000, 1_800_000_000),
        "exp": rng.randrange(1_800_000_000, 1_900_000_000),
        "scope": " ".join(rng.sample(["read", "write", "admin", "billing", "users:read", "repo"], 3)),
    }
    if rng.random() < 0.5:
        claims["iss"] = "https://auth.acme-corp.example/"
        claims["aud"] = _s(rng, ALNUM, 24)
    sig = rng.randbytes(rng.choice([32, 64, 256]))
    parts = (json.dumps(header).encode(), json.dumps(claims).encode(), sig)
    return ".".join(_b64url(p) for p in parts)


def _pem(rng: random.Random, kind: str, escaped: bool = False) -> str:
    body = base64.b64encode(rng.randbytes(rng.choice([120, 300, 600]))).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    nl = "\\n" if escaped else "\n"
    return nl.join([f"-----BEGIN {kind}-----", *lines, f"-----END {kind}-----"])


def _values(rng: random.Random) -> dict[str, str]:
    hexdigest = hashlib.sha256(rng.randbytes(16)).hexdigest()
    return {
        "openai": "sk-" + _s(rng, ALNUM, 48),
        "openai_proj": "sk-proj-" + _s(rng, URLSAFE, rng.choice([48, 74, 156])),
        "openai_svc": "sk-svcacct-" + _s(rng, URLSAFE, 74),
        "anthropic": "sk-ant-api03-" + _s(rng, URLSAFE, 93) + "AA",
        "anthropic_admin": "sk-ant-admin01-" + _s(rng, URLSAFE, 93) + "AA",
        "akia": rng.choice(["AKIA", "ASIA"]) + _s(rng, UPPER_B32, 16),
        "aws_secret": _s(rng, B64, 40),
        "aiza": "AIza" + _s(rng, URLSAFE, 35),
        "ghp": rng.choice(["ghp_", "gho_", "ghs_", "ghu_"]) + _s(rng, ALNUM, 36),
        "github_pat": "github_pat_" + _s(rng, ALNUM, 22) + "_" + _s(rng, ALNUM, 59),
        "slack": rng.choice(["xoxb", "xoxp", "xoxa"])
        + f"-{rng.randrange(10**10, 10**13)}-{rng.randrange(10**10, 10**13)}-"
        + _s(rng, ALNUM, 24),
        "slack_hook": f"https://hooks.slack.com/services/T{_s(rng, UPPER_B32, 8)}/B{_s(rng, UPPER_B32, 10)}/"
        + _s(rng, ALNUM, 24),
        "stripe": rng.choice(["sk_live_", "rk_live_", "sk_test_"]) + _s(rng, ALNUM, rng.choice([24, 99])),
        "whsec": "whsec_" + _s(rng, ALNUM, 32),
        "jwt": _jwt(rng),
        "pem_rsa": _pem(rng, "RSA PRIVATE KEY"),
        "pem_ec": _pem(rng, "EC PRIVATE KEY"),
        "pem_openssh": _pem(rng, "OPENSSH PRIVATE KEY"),
        "pem_pkcs8_escaped": _pem(rng, "PRIVATE KEY", escaped=True),
        "password": (
            password := rng.choice(["", "P@", "x!", "Zq", "9*"])
            + _s(rng, ALNUM, rng.randrange(8, 16))
            + rng.choice(["", "!", "#9", "$", "&", "*"])
        ),
        # In a URL, reserved characters of a password are percent-encoded (as drivers and SQLAlchemy expect).
        "url_password": quote(password, safe=""),
        "generic": _s(rng, ALNUM, rng.choice([24, 32, 40, 64])),
        "generic_hex": hashlib.md5(rng.randbytes(8)).hexdigest(),
        "sendgrid": "SG." + _s(rng, URLSAFE, 22) + "." + _s(rng, URLSAFE, 43),
        "hf": "hf_" + _s(rng, string.ascii_letters, 34),
        "glpat": "glpat-" + _s(rng, URLSAFE, 20),
        "npm": "npm_" + _s(rng, ALNUM, 36),
        "pem_body": "\n".join(_s(rng, B64, 70) for _ in range(rng.randrange(3, 12))),
        "user": rng.choice(["app", "admin", "svc_billing", "etl", "reporting", "root"]),
        "host": rng.choice(["db.internal", "10.0.3.17", "pg-prod-1.acme.example", "localhost", "cache.svc"]),
        "port": str(rng.choice([5432, 3306, 6379, 27017, 1433])),
        "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "sha1": hashlib.sha1(rng.randbytes(8)).hexdigest(),
        "sha256": hexdigest,
        "md5": hashlib.md5(rng.randbytes(8)).hexdigest(),
        "short_sha": hashlib.sha1(rng.randbytes(8)).hexdigest()[:7],
        "png": base64.b64encode(b"\x89PNG\r\n\x1a\n" + rng.randbytes(rng.choice([60, 200]))).decode(),
        "ver": f"{rng.randrange(1, 5)}.{rng.randrange(30)}.{rng.randrange(30)}",
        "n1": str(rng.randrange(1, 10)),
        "n5": str(rng.randrange(10**4, 10**5)),
        "n8": str(rng.randrange(10**7, 10**8)),
        "order": f"{_s(rng, string.ascii_uppercase, 3)}-{rng.randrange(10**5, 10**6)}-"
        + _s(rng, UPPER_B32, 4),
        "tracking": "1Z" + _s(rng, string.ascii_uppercase + string.digits, 16),
        "key_id": _s(rng, string.hexdigits.lower()[:16], 40),
        "kid": _s(rng, ALNUM, 10),
    }


# ---- templates that hold a secret (the value between [[ ]] is the gold SECRET span) ----
POSITIVE: tuple[str, ...] = (
    "I keep getting a 401 from the API. My key is [[{openai}]] — what am I doing wrong?",
    'client = OpenAI(api_key="[[{openai_proj}]]")\nresp = client.chat.completions.create(model="gpt-4o")',
    "export OPENAI_API_KEY=[[{openai_proj}]]\npython app.py",
    "Our service account key for the batch jobs: [[{openai_svc}]] (rotate monthly).",
    "curl https://api.anthropic.com/v1/messages -H 'x-api-key: [[{anthropic}]]' -H 'content-type: json'",
    "ANTHROPIC_API_KEY=[[{anthropic}]]\nLOG_LEVEL=debug",
    "The admin key [[{anthropic_admin}]] was committed by mistake, please revoke it.",
    "[default]\naws_access_key_id = [[{akia}]]\naws_secret_access_key = [[{aws_secret}]]\nregion = eu-west-1",
    "Set AWS_ACCESS_KEY_ID=[[{akia}]] and AWS_SECRET_ACCESS_KEY=[[{aws_secret}]] before running terraform.",
    "Why does boto3 say access denied? I'm using [[{akia}]] with the secret key [[{aws_secret}]].",
    'const map = new google.maps.Map(el, {{ key: "[[{aiza}]]" }});',
    "The Firebase config has apiKey: '[[{aiza}]]', is it safe to ship in the app?",
    '{{"type": "service_account", "project_id": "acme-prod", "private_key": "[[{pem_pkcs8_escaped}]]",'
    ' "client_email": "etl@acme-prod.iam.gserviceaccount.com"}}',
    "git remote set-url origin https://[[{ghp}]]@github.com/acme/infra.git",
    "GITHUB_TOKEN=[[{github_pat}]] gh release create v{ver}",
    "use this token for the CI bot: [[{ghp}]]",
    "SLACK_BOT_TOKEN=[[{slack}]]\nSLACK_CHANNEL=#alerts",
    "The bot posts with [[{slack}]] but gets not_in_channel.",
    "Post alerts to [[{slack_hook}]] when the job fails.",
    'stripe.api_key = "[[{stripe}]]"\nstripe.Charge.create(amount=2000, currency="eur")',
    "Payments fail in prod; the restricted key is [[{stripe}]], test mode works.",
    "STRIPE_WEBHOOK_SECRET=[[{whsec}]]",
    "Here is the deploy key, don't share it:\n[[{pem_rsa}]]\nThanks!",
    "id_ed25519 contents:\n[[{pem_openssh}]]",
    "The TLS key for the edge proxy is below.\n[[{pem_ec}]]\nThe cert follows in the next message.",
    "Authorization: Bearer [[{jwt}]]",
    "Decode this token for me and tell me when it expires: [[{jwt}]]",
    "The session cookie is token=[[{jwt}]]; Path=/; HttpOnly",
    "DATABASE_URL=postgres://{user}:[[{url_password}]]@{host}:{port}/billing",
    "mongodb+srv://{user}:[[{url_password}]]@cluster0.ab1cd.mongodb.net/?retryWrites=true",
    "It can't connect with redis://:[[{url_password}]]@{host}:6379/0, any idea?",
    "Server={host};Database=Sales;User Id={user};Password=[[{password}]];Encrypt=true;",
    "db:\n  user: {user}\n  password: [[{password}]]\n  host: {host}",
    "The wifi password is [[{password}]] and the guest network is open.",
    "login as {user} with password [[{password}]] and then run the migration",
    'api_key: "[[{generic}]]"\ntimeout: 30',
    "X-API-Key: [[{generic}]]",
    "The partner gave us this API token: [[{generic}]]. Where should I store it?",
    "client_id = {n8}\nclient_secret = [[{generic}]]",
    "twilio auth token [[{generic_hex}]] for account {n8}",
    "heroku config:set HEROKU_API_KEY=[[{uuid}]] --app billing",
    "SENDGRID_API_KEY=[[{sendgrid}]]",
    "my hugging face token is [[{hf}]], the download still fails",
    "The signing secret for the webhook is [[{generic}]].",
)

# ---- look-alikes: nothing here may be reported as SECRET ----
NEGATIVE: tuple[str, ...] = (
    "Request {uuid} failed with 503; retry with the same idempotency key {uuid}.",
    "The API key id is {uuid} (the secret itself is only shown once at creation).",
    "Reverted commit {sha1}; the fix is in {short_sha}.",
    "git checkout {sha1} && make test",
    "sha256:{sha256}  dist/app.tar.gz",
    "The checksum of the release is {sha256}; verify it before installing.",
    "md5 {md5} does not match the expected digest.",
    "docker pull registry.acme.example/api@sha256:{sha256}",
    "Here is the logo: data:image/png;base64,{png}",
    "Set OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx in your .env file.",
    'client = OpenAI(api_key="YOUR_API_KEY")',
    "Replace <token> with your personal access token and <org> with the organisation.",
    "export ANTHROPIC_API_KEY=sk-ant-api03-...  # paste your key here",
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    'api_key = os.environ["OPENAI_API_KEY"]',
    "token: ${{{{ secrets.GITHUB_TOKEN }}}}",
    "STRIPE_SECRET_KEY=sk_live_****************************{n5}",
    "password: ${{DB_PASSWORD}}",
    "DATABASE_URL=postgres://{user}:<password>@{host}:{port}/billing",
    "SLACK_BOT_TOKEN=xoxb-your-bot-token-here",
    "The key must look like sk-proj-... and be at least 50 characters.",
    "Upgrade from v{ver} to v{ver}-rc.1+build.{n5} before Friday.",
    "Order {order} shipped; tracking number {tracking}.",
    "Invoice {n8} is due; reference {order}.",
    "We used {n5} tokens of the 128k context; max_tokens was 4096.",
    "The password must be at least 12 characters and contain a digit.",
    "Forgot your password? The reset link expires in 24 hours.",
    "The secret to good sourdough is patience and a warm kitchen.",
    "Press the Windows key and type cmd to open a terminal.",
    "private_key_id: {key_id}",
    "The JWT header uses kid {kid} to pick the signing key.",
    "The key file lives at /etc/ssl/private/server.key and is mode 0600.",
    "Tokens are rotated every 90 days; the old token stays valid for 24 hours.",
    "The primary key of the table is (tenant_id, order_id) and the index is orders_pkey.",
    "Generate a key with `openssl genrsa -out key.pem 4096` and keep it out of git.",
    "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEbzg2BjANBgkqhkiG9w0BAQsFADBs\n"
    "-----END CERTIFICATE-----",
    "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE{kid}\n-----END PUBLIC KEY-----",
    "Use the Bearer scheme: Authorization: Bearer <access_token>.",
    "Your verification code is {n5}; it expires in 10 minutes.",
    "Build {n8} of api-gateway finished in {n5} ms (commit {short_sha}).",
    "Keyboard shortcut: Ctrl+K then Ctrl+S opens the key bindings.",
)


# ---- written after the recognizer fixes that the two lists above prompted, then scored once as they were
# (source "secrets-late/..."): a less biased estimate than the lists the rules were tuned on ----
LATE_POSITIVE: tuple[str, ...] = (
    "apiVersion: v1\nkind: Secret\nstringData:\n  OPENAI_API_KEY: [[{openai_proj}]]\n  LOG_LEVEL: info",
    'docker run -e ANTHROPIC_API_KEY="[[{anthropic}]]" -p 8080:8080 acme/bot:{ver}',
    'provider "aws" {{\n  access_key = "[[{akia}]]"\n  secret_key = "[[{aws_secret}]]"\n}}',
    '{{"level": "error", "msg": "auth failed", "token": "[[{ghp}]]", "ts": "2024-05-01T10:00:00Z"}}',
    "hey can you check why this doesn't work\n\nimport openai\nopenai.api_key = '[[{openai}]]'",
    "The old Slack token [[{slack}]] still works after the reset?!",
    ">>> jwt.decode('[[{jwt}]]', options={{'verify_signature': False}})",
    "Connection string: Host={host};Port={port};Username={user};Password=[[{password}]]",
    "mysql -u {user} -p[[{password}]] -h {host} billing",
    "psql 'postgresql://{user}:[[{url_password}]]@{host}/app?sslmode=require'",
    "I rotated the Stripe key, new one is [[{stripe}]], old one revoked.",
    "Here's my maps api key [[{aiza}]] restricted to our domain",
    "Our GitLab runner uses [[{glpat}]] as its registration token.",
    "npm config set //registry.npmjs.org/:_authToken=[[{npm}]]",
    "secret: [[{generic}]]\nissuer: acme",
    "The access token expired: [[{generic}]]",
    "cat ~/.ssh/id_ed25519\n[[-----BEGIN OPENSSH PRIVATE KEY-----\n{pem_body}\n"
    "-----END OPENSSH PRIVATE KEY-----]]",
)
LATE_NEGATIVE: tuple[str, ...] = (
    "Rotate keys every 90 days and never commit them to git.",
    "The token limit for this model is 128000 and the output limit is 4096 tokens.",
    "Use `gh auth login` instead of pasting a personal access token.",
    "Trace {uuid} took {n5} ms; span id {kid}.",
    "Release v{ver} (git {short_sha}) fixes the password reset email.",
    "curl -H 'Authorization: Bearer $TOKEN' https://api.acme.example/v1/me",
    "OPENAI_API_KEY=\nANTHROPIC_API_KEY=\n# fill these in locally",
    "The image digest is sha256:{sha256} and the tag is {ver}.",
    "Your key ends in ...{n5}; the full key is only shown once.",
    "Set `api_key` to the value from the dashboard (it starts with sk-).",
    'ETag: "{md5}" Cache-Control: max-age=3600',
    "Booking reference {order}; seat 14C; gate B{n5}.",
    "pip install acme-sdk=={ver} --hash=sha256:{sha256}",
)
# ---- identifiers, file names and resource names next to key/token/secret words: found by probing after
# the lists above scored 1.000 (source "secrets-ident/neg"); the identifier rule was added for them ----
IDENT_NEGATIVE: tuple[str, ...] = (
    "CACHE_KEY=product_catalog_{n5}\nCACHE_TTL=300",
    "API_KEY_HEADER=X-Api-Key-Version{n1}",
    "AUTH_PROVIDER=google_oauth2_v{n1}_provider",
    "token_type: bearer_access_token_v{n1}",
    "The key insight from experiment exp_2024_05_cohort{n1} is clear.",
    "the auth middleware in auth_middleware_v{n1}.py handles the token check",
    "Pass the token through getTokenFromRequest{n1}(req) before calling the API.",
    "the key is in column customer_key_{n5} of table dim_customer_v{n1}",
    "token usage: prompt_tokens={n5} completion_tokens={n5}",
    "secret_arn = arn:aws:secretsmanager:eu-west-1:{n8}{n5}:secret:prod/db-{kid}",
    "password policy: at least 12 characters, see the wiki",
    "Mount the secret volume at /var/run/secrets/kubernetes.io/serviceaccount.",
)


def _render(template: str, values: dict[str, str]) -> tuple[str, list[dict[str, object]]]:
    filled = template.format(**values)
    text, spans, pos = "", [], 0
    while (open_at := filled.find("[[", pos)) != -1:
        close_at = filled.index("]]", open_at)
        text += filled[pos:open_at]
        value = filled[open_at + 2 : close_at]
        spans.append({"start": len(text), "end": len(text) + len(value), "label": "SECRET"})
        text += value
        pos = close_at + 2
    return text + filled[pos:], spans


def build(seed: int = SEED, per_template: int = PER_TEMPLATE) -> list[dict[str, object]]:
    rng = random.Random(seed)
    records: list[dict[str, object]] = []
    groups: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("pos", POSITIVE),
        ("neg", NEGATIVE),
        ("late-pos", LATE_POSITIVE),
        ("late-neg", LATE_NEGATIVE),
        ("ident-neg", IDENT_NEGATIVE),
    )
    for kind, templates in groups:
        for t, template in enumerate(templates):
            for k in range(per_template):
                text, spans = _render(template, _values(rng))
                records.append(
                    {
                        "id": f"secret-{kind}-{t:02d}-{k}",
                        "text": text,
                        "spans": spans,
                        "source": "secrets-" + kind.replace("-", "/") if "-" in kind else f"secrets/{kind}",
                    }
                )
    return records


def main(out: Path) -> None:
    records = build()
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    positives = sum(1 for r in records if r["spans"])
    gold = sum(len(r["spans"]) for r in records)  # type: ignore[arg-type]
    negatives = len(records) - positives
    print(f"{out}: {len(records)} records, {positives} with {gold} SECRET spans, {negatives} without")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("secrets.jsonl"))
