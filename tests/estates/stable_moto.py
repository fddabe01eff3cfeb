"""The emulator for the demo: `python3 -m moto.server` whose uuid4 ids repeat from run to run.

moto's own id generator is seeded through /moto-api/seed (scripts/demo does so), but some of
its services draw ids from the standard library's `uuid.uuid4` instead: VPC Lattice services,
service networks and associations among them (moto 5.2.1). Their ids would differ on every run
and the committed demo reports could never be current. Here `uuid.uuid4` draws from a
generator of its own with a fixed seed: the demo seeds its estate one request at a time, so
the same estate gets the same ids. The integration tests' shared emulator needs no such thing
(they name what they meet by the ids the seeder returns).

Usage: stable_moto.py [moto.server arguments, e.g. -H 127.0.0.1 -p PORT]
"""

import random
import sys
import uuid

from moto.server import main

_ids = random.Random(42)


def _uuid4():
    return uuid.UUID(int=_ids.getrandbits(128), version=4)


if __name__ == "__main__":
    uuid.uuid4 = _uuid4
    main(sys.argv[1:])
