"""Table tests: each row is a text and the (label, exact value) the engine must report in it."""

from __future__ import annotations

import pytest

from bastion.pii import PiiEngine

from .conftest import labels_of

HITS: list[tuple[str, str, str]] = [
    # EMAIL
    ("mail me at jane.doe+tag@mail.example.co.uk today", "EMAIL", "jane.doe+tag@mail.example.co.uk"),
    ("Kontakt: jürgen.müller@beispiel.de.", "EMAIL", "jürgen.müller@beispiel.de"),
    # PHONE
    ("Call me on +44 20 7946 0958 tomorrow", "PHONE", "+44 20 7946 0958"),
    ("US office: (415) 555-2671", "PHONE", "(415) 555-2671"),
    ("phone: 0494 92 82 32", "PHONE", "0494 92 82 32"),
    ("Can someone call me on 01.84.17.61.18? thanks", "PHONE", "01.84.17.61.18"),
    ("Mobile: +41 (0)38 549 02 90", "PHONE", "+41 (0)38 549 02 90"),
    ("reach me at 541-714-1388", "PHONE", "541-714-1388"),
    # SSN
    ("My SSN is 536-22-8726.", "SSN", "536-22-8726"),
    ("social security number 536228726", "SSN", "536228726"),
    # well-known sample numbers are caught next to an SSN word (people paste them as their own)
    ("My SSN: 123-45-6789", "SSN", "123-45-6789"),
    ("social security no. 078-05-1120", "SSN", "078-05-1120"),
    ("SSN 111-11-1111", "SSN", "111-11-1111"),
    # CREDIT_CARD
    ("card 4111 1111 1111 1111 exp 12/29", "CREDIT_CARD", "4111 1111 1111 1111"),
    ("Mastercard 2-series 2221000000000009", "CREDIT_CARD", "2221000000000009"),
    ("amex 378282246310005", "CREDIT_CARD", "378282246310005"),
    ("pay with 5555-5555-5555-4444 please", "CREDIT_CARD", "5555-5555-5555-4444"),
    ("JCB 3530111333300000", "CREDIT_CARD", "3530111333300000"),
    # IBAN
    ("IBAN DE89 3704 0044 0532 0130 00 for rent", "IBAN", "DE89 3704 0044 0532 0130 00"),
    ("send to GB82WEST12345698765432.", "IBAN", "GB82WEST12345698765432"),
    ("iban fr1420041010050500013m02606", "IBAN", "fr1420041010050500013m02606"),
    ("NO9386011117947 is Norwegian", "IBAN", "NO9386011117947"),
    # IP_ADDRESS
    ("server at 192.168.10.24 is down", "IP_ADDRESS", "192.168.10.24"),
    # words that end in "ver"/"v"/"rev" are not version markers
    ("our server 203.0.113.77 is down", "IP_ADDRESS", "203.0.113.77"),
    ("the observer: 198.51.100.4", "IP_ADDRESS", "198.51.100.4"),
    ("failover 10.0.0.12 then prev 10.0.0.13", "IP_ADDRESS", "10.0.0.13"),
    ("dev 172.16.4.20 and kiev 172.16.4.21", "IP_ADDRESS", "172.16.4.21"),
    ("v6 2001:db8:85a3::8a2e:370:7334 here", "IP_ADDRESS", "2001:db8:85a3::8a2e:370:7334"),
    ("peer fe80::1ff:fe23:4567:890a", "IP_ADDRESS", "fe80::1ff:fe23:4567:890a"),
    # URL
    ("see https://www.example.org/path?q=1).", "URL", "https://www.example.org/path?q=1"),
    ("visit www.acme-corp.com/about today", "URL", "www.acme-corp.com/about"),
    ("our site FilmFranchise.dk is new", "URL", "FilmFranchise.dk"),
    # DATE_TIME (date of birth)
    ("Patient DOB: 04/12/1987", "DATE_TIME", "04/12/1987"),
    ("she was born on March 3, 1990 in Leeds", "DATE_TIME", "March 3, 1990"),
    # ID_NUMBER
    ("My driver's license number is F162823540116", "ID_NUMBER", "F162823540116"),
    ("passport no. 533380006", "ID_NUMBER", "533380006"),
    ("NI number AB 12 34 56 C", "ID_NUMBER", "AB 12 34 56 C"),
    ("Steuer-ID 86095742719", "ID_NUMBER", "86095742719"),
    ("routing number 021000021 and account 123456789012", "ID_NUMBER", "021000021"),
    ("numéro de sécurité sociale 2 55 08 14 168 025 38", "ID_NUMBER", "2 55 08 14 168 025 38"),
    # SECRET
    (
        "OPENAI_API_KEY=sk-proj-Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9f",
        "SECRET",
        "sk-proj-Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9f",
    ),
    (
        "key sk-ant-api03-" + "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz9Xc8Vb7Nm6Qa5Ws4Ed3Rf2Tg1Yh0" + " ok",
        "SECRET",
        "sk-ant-api03-Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz9Xc8Vb7Nm6Qa5Ws4Ed3Rf2Tg1Yh0",
    ),
    ("aws_access_key_id = AKIA4Q7R2M9XK3LW8ZPD", "SECRET", "AKIA4Q7R2M9XK3LW8ZPD"),
    (
        "aws_secret_access_key = wJa7rXUtnF3MI4K7MDENGbPxRfiCYzQ9LKEY2a8B",
        "SECRET",
        "wJa7rXUtnF3MI4K7MDENGbPxRfiCYzQ9LKEY2a8B",
    ),
    ("maps key AIzaSyD3k9X2m8QwErTy6Ui5Op4As3Df2Gh1Jk0", "SECRET", "AIzaSyD3k9X2m8QwErTy6Ui5Op4As3Df2Gh1Jk0"),
    ("token ghp_R8x2KqL9mZ4vW7nB3cT6yH1jF5dS0aG2pE8u", "SECRET", "ghp_R8x2KqL9mZ4vW7nB3cT6yH1jF5dS0aG2pE8u"),
    ("slack xoxb-2048-1357-Ab3dE5fG7hJ9kL1mN3pQ", "SECRET", "xoxb-2048-1357-Ab3dE5fG7hJ9kL1mN3pQ"),
    ("stripe sk_live_51Hx9Qw8Er7Ty6Ui5Op4As3Df", "SECRET", "sk_live_51Hx9Qw8Er7Ty6Ui5Op4As3Df"),
    (
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "SECRET",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ),
    ("DATABASE_URL=postgres://app:S3cr3tPw9x@db.internal:5432/app", "SECRET", "S3cr3tPw9x"),
    ("password: hunter2!", "SECRET", "hunter2!"),
    (
        "Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0Zq",
        "SECRET",
        "9f8e7d6c5b4a39281706f5e4d3c2b1a0Zq",
    ),
    ("the api token is Qm9vZ3lNYW4xMjM0NTY3ODkwYWJj", "SECRET", "Qm9vZ3lNYW4xMjM0NTY3ODkwYWJj"),
    # A name that holds the context word inside an identifier, right before "=".
    ("SENDGRID_API_KEY=Zk3qP9xW2mL7vB4nR8tY1cH6", "SECRET", "Zk3qP9xW2mL7vB4nR8tY1cH6"),
    ("HEROKU_API_KEY=3f1c2a9e-7b4d-4e21-9c3a-5d8e7f6a1b2c", "SECRET", "3f1c2a9e-7b4d-4e21-9c3a-5d8e7f6a1b2c"),
    ("hf token 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", "SECRET", "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"),
    ("redis://:Zq8xW3mP9vL2@cache.svc:6379/0", "SECRET", "Zq8xW3mP9vL2"),  # no user name
    ("login as admin with password Zqe4gx36II and migrate", "SECRET", "Zqe4gx36II"),
    ("password: hunter2*", "SECRET", "hunter2*"),  # one star is a character, "****" is a mask
    ("twilio auth token c92c7a978e3eaaa8b6722f3284a281ec ok", "SECRET", "c92c7a978e3eaaa8b6722f3284a281ec"),
    ("mysql -u app -pZq8xW3mP9vL2 -h db.internal", "SECRET", "Zq8xW3mP9vL2"),
    ("X-API-Key: NmDAWMoaUjmFklYtZCTnVwkb", "SECRET", "NmDAWMoaUjmFklYtZCTnVwkb"),  # letters only
    (
        'secret_key = "/ap/a6TqpRlwe1M3MEiFUnuHdodo3KTZqRhBifH9"',
        "SECRET",
        "/ap/a6TqpRlwe1M3MEiFUnuHdodo3KTZqRhBifH9",
    ),
    # A long random key that happens to hold "Fake" in mixed case ("LFakEs") is no placeholder.
    (
        "key rk_live_d1Fkd49e9npBrRCThrqZ36cLFakEsiAwSNbYlKQX6qTJtHa6",
        "SECRET",
        "rk_live_d1Fkd49e9npBrRCThrqZ36cLFakEsiAwSNbYlKQX6qTJtHa6",
    ),
    # PERSON
    ("Dear Hannah McConnan, thanks for your order", "PERSON", "Hannah McConnan"),
    ("My name is Rubija", "PERSON", "Rubija"),
    ("Directed By: Johannes Varvio", "PERSON", "Johannes Varvio"),
    ("I spoke to John A. Leiva yesterday", "PERSON", "John A. Leiva"),
    ("Mr. Doyle will call back", "PERSON", "Doyle"),
    # LOCATION
    ("I live at 52 Huntly Street in Leeds", "LOCATION", "52 Huntly Street"),
    ("Ship to Rua Diadema 1903 please", "LOCATION", "Rua Diadema 1903"),
    ("We moved to Helsinki last year", "LOCATION", "Helsinki"),
    ("my office in Porto Alegre", "LOCATION", "Porto Alegre"),
    # ORG
    ("she joined Johnson Inc. in May", "ORG", "Johnson Inc."),
]

PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAx9\n-----END RSA PRIVATE KEY-----"
# A JWT of a few hundred characters: longer than any "too few distinct characters" placeholder bar.
LONG_JWT = (
    "eyJhbGciOiAiUlMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAiNzI5MzE3MzAzIiwgImlhdCI6IDE2NTIxMDg2NTd9."
    + "Xx9Kq2Lm8Pz4Rt6Vw1Yb3Nc5Hd7Jf0Gs" * 10
)

HITS.append((f"key:\n{PRIVATE_KEY}\nend", "SECRET", PRIVATE_KEY))
HITS.append((f"Authorization: Bearer {LONG_JWT}", "SECRET", LONG_JWT))


@pytest.mark.parametrize(("text", "label", "value"), HITS)
def test_detects(engine: PiiEngine, text: str, label: str, value: str) -> None:
    assert (label, value) in labels_of(engine, text)


LOOK_ALIKES: list[tuple[str, str]] = [
    ("Order #4111111111111112 has shipped", "CREDIT_CARD"),  # Luhn fails
    ("ticket 1234 5678 9012 3456 is closed", "CREDIT_CARD"),
    ("SSN placeholder 000-12-3456", "SSN"),
    ("area 666-12-3456 is never issued", "SSN"),
    ("number 900-12-3456", "SSN"),
    ("version 1.2.3.4 released", "IP_ADDRESS"),
    ("ver 10.0.0.1 is out", "IP_ADDRESS"),
    ("ver. 10.0.0.1 is out", "IP_ADDRESS"),
    ("build: 10.2.0.15", "IP_ADDRESS"),
    ("rev 4.0.1.2", "IP_ADDRESS"),
    ("the docs use 123-45-6789 as the example number", "SSN"),
    ("at 12:30:45 the job ran", "IP_ADDRESS"),
    ("mac 00:1A:2B:3C:4D:5E", "IP_ADDRESS"),
    ("GB82WEST12345698765431 fails mod-97", "IBAN"),
    ("mk4081b68cb989 about it", "IBAN"),  # passes mod-97, but its groups are not fours: a random token
    ("Mk4081B68cb989abcde1", "IBAN"),  # mixed case: an identifier
    ("see config.py and README.md", "URL"),
    ("export OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxx", "SECRET"),
    ("api_key = YOUR_API_KEY_HERE_PLEASE_123", "SECRET"),
    ("aws example AKIAIOSFODNN7EXAMPLE", "SECRET"),
    ("commit sha 3f2a9c1e4b7d8f0a6c5e2b1d9f8a7c6e5d4b3a21", "SECRET"),
    ("sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "SECRET"),
    ("password: ${DB_PASSWORD}", "SECRET"),
    ("token: ${{ secrets.GITHUB_TOKEN }}", "SECRET"),
    ("idempotency key 3f1c2a9e-7b4d-4e21-9c3a-5d8e7f6a1b2c.", "SECRET"),
    ("private_key_id: 5dcfcb25b1306378330751df6d2e52c47ff38920", "SECRET"),
    (
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE1wrgVtXiPL\n"
        "-----END PUBLIC KEY-----",
        "SECRET",
    ),
    ("STRIPE_SECRET_KEY=sk_live_****************************1234", "SECRET"),
    ("The key file lives at /etc/ssl/private/server.key and ~/.ssh/id_ed25519", "SECRET"),
    ("Forgot your password? The reset link expires in 24 hours.", "SECRET"),
    # Identifiers and names next to key/token/secret words.
    ("CACHE_KEY=product_catalog_2024", "SECRET"),
    ("Pass the token through getTokenFromRequest2(req)", "SECRET"),
    ("the key is in column customer_key_2024 of dim_customer_v3", "SECRET"),
    ("the auth middleware in auth_middleware_v2.py handles it", "SECRET"),
    ("password policy: see the wiki", "SECRET"),
    ("secret_arn = arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf", "SECRET"),
    ("the build at 2024-05-01 12:30:45 passed", "PHONE"),
    ("order 20240501 shipped", "PHONE"),
    ("invoice 4502218831", "PHONE"),
    ("Meeting on 2024-05-01", "DATE_TIME"),
    ("Order ID: 8821-3345-1100", "ID_NUMBER"),
    ("Will you review it? May I help?", "PERSON"),
    ("Please Review The Pull Request", "PERSON"),
]


@pytest.mark.parametrize(("text", "label"), LOOK_ALIKES)
def test_look_alike_not_matched(engine: PiiEngine, text: str, label: str) -> None:
    assert [v for lab, v in labels_of(engine, text) if lab == label] == []


PII_FREE = [
    "Please upgrade to version 2.14.4 before 2025-01-31T10:00:00Z.",
    "Order 7741-2290 shipped; tracking 1Z999AA10123456784.",
    "The checksum is d41d8cd98f00b204e9800998ecf8427e and the build id is 44912.",
    "Set api_key to <your-key> in settings.yaml and restart.",
    "Python 3.11.7 on Linux 6.1.0-18-amd64, uptime 12:44:01",
    "How do I sort a list of dicts by a key in Python?",
    "Summarise the attached quarterly report in three bullet points.",
]


@pytest.mark.parametrize("text", PII_FREE)
def test_pii_free_texts_have_no_hits(engine: PiiEngine, text: str) -> None:
    assert labels_of(engine, text) == []
