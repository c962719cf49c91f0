#!/usr/bin/env python3
"""Purge from a CDN exactly the URLs a corte changed, from its cambios.json.

    publish/nginx-purge.py http://127.0.0.1:8080 00042-20240602-2330
    publish/nginx-purge.py --list https://prep.example.mx 00042-20240602-2330 > urls.txt

The change list is read through the CDN itself (cortes/<id>/cambios.json is
immutable, so any cached copy is right). Every key it names (added, changed,
removed) is one URL; a key ending in /index.html also names its folder URL.

Without --list, each URL is requested from the nginx of publish/nginx-cdn.conf
with `X-Corte-Purge: 1`: from this machine that bypasses the cached copy,
fetches the origin's and stores it in its place (Debian's nginx has no purge
module; this is a refresh, which is what a purge is followed by anyway). A
removed key answers 404 and is cached for 404's 10 s at most.

With --list, the URLs are printed one per line, for the purge API of another
CDN (most take a list of URLs; batch them as the API says).

Exit status: 0 when every URL was purged (200 or 404), 1 otherwise, naming the
URL and what it answered; 2 when the change list could not be read.
Standard library only.
"""

import json
import sys
import urllib.error
import urllib.parse
import urllib.request


def urls(base, cambios):
    keys = []
    for field in ("added", "changed", "removed"):
        value = cambios.get(field, [])
        if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
            raise ValueError(f"`{field}` is not a list of keys")
        keys.extend(value)
    out = []
    for key in sorted(set(keys)):
        out.append(base + "/" + urllib.parse.quote(key))
        if key == "index.html" or key.endswith("/index.html"):
            out.append(base + "/" + urllib.parse.quote(key[: -len("index.html")]))
    return out


def fetch(url, purge):
    headers = {"Accept-Encoding": "gzip"}
    if purge:
        headers["X-Corte-Purge"] = "1"
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""


def main(argv):
    listing = "--list" in argv
    args = [a for a in argv if a != "--list"]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    base, corte = args[0].rstrip("/"), args[1]
    source = f"{base}/cortes/{urllib.parse.quote(corte)}/cambios.json"
    try:
        status, body = fetch(source, purge=False)
        if status != 200:
            raise ValueError(f"answered {status}")
        if body[:2] == b"\x1f\x8b":
            import gzip

            body = gzip.decompress(body)
        cambios = json.loads(body)
        if not isinstance(cambios, dict) or cambios.get("corte") != corte:
            raise ValueError(f"is not the change list of corte {corte}")
        todo = urls(base, cambios)
    except (OSError, ValueError) as e:
        print(f"{source}: {e}", file=sys.stderr)
        return 2
    if listing:
        for url in todo:
            print(url)
        return 0
    failed = 0
    for url in todo:
        try:
            status, _ = fetch(url, purge=True)
        except OSError as e:
            status = f"no answer ({e})"
        if status not in (200, 404):
            print(f"{url}: {status}", file=sys.stderr)
            failed += 1
    print(f"corte {corte}: {len(todo) - failed} of {len(todo)} URLs purged")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
