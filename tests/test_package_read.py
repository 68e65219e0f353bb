"""Reading a package without copies: the canonical-form check still refuses any changed byte."""

from __future__ import annotations

import io

import pytest

from okmot.sync import package
from okmot.sync.export import export_package
from tests.sync_helpers import ACTOR, make_office


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("package-read")
    office = make_office(folder, "RD1", 21, households=3)
    try:
        return export_package(office, folder, actor=ACTOR).path
    finally:
        office.dispose()


def test_members_are_views_of_the_file_and_write_gives_the_same_bytes(written):
    pkg = package.read(written)
    whole = written.read_bytes()
    assert all(isinstance(data, memoryview) for data in pkg.members.values())
    out = io.BytesIO()
    package.write(out, pkg.manifest_raw, pkg.signature, pkg.members)
    assert out.getvalue() == whole == package.build(pkg.manifest_raw, pkg.signature, pkg.members)
    for name, data in pkg.members.items():
        assert package.sha256(data) == pkg.manifest["files"][name]


def test_a_changed_byte_anywhere_is_refused(written, tmp_path):
    whole = written.read_bytes()
    positions = sorted({0, 3, 20, 27, 40, len(whole) // 3, len(whole) // 2, len(whole) - 60, len(whole) - 22,
                        len(whole) - 10, len(whole) - 1} | set(range(100, len(whole), max(1, len(whole) // 97))))
    bad = tmp_path / "bad.okmsync"
    for pos in positions:
        changed = bytearray(whole)
        changed[pos] ^= 0x01
        bad.write_bytes(bytes(changed))
        with pytest.raises(package.PackageError):
            package.read(bad)
    # One byte more or less at the end is refused too.
    for tail in (whole + b"\0", whole[:-1]):
        bad.write_bytes(tail)
        with pytest.raises(package.PackageError):
            package.read(bad)
