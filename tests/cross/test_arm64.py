"""The arm64 build: cross-compiled by scripts/cross-arm64.sh, its .deb
checked against the native one, and the arm64 exporter run under qemu-user
against real wireguard-go on this machine, scraped and compared with the
native exporter reading the same interfaces.

Environment: WGX_ARM64_BUILD (the cross build directory), WGX_SYSROOT (the
arm64 sysroot), WGX_EXPORTER (the native binary), WGX_NATIVE_BUILD (its
build directory, for the native .deb).
"""

import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "container"))
import wgnet  # noqa: E402
from test_container import peer_view  # noqa: E402

BUILD = os.environ["WGX_ARM64_BUILD"]
SYSROOT = os.environ["WGX_SYSROOT"]
NATIVE = os.environ["WGX_EXPORTER"]
NATIVE_BUILD = os.environ["WGX_NATIVE_BUILD"]
ARM64_BINARY = os.path.join(BUILD, "wireguard_exporter")
EM_AARCH64 = 183


def run(*cmd, **kw):
    return subprocess.run(list(cmd), capture_output=True, text=True, check=True, **kw).stdout


def needed(binary):
    out = run("readelf", "-d", binary)
    return sorted(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))


def deb_field(deb, field):
    return run("dpkg-deb", "-f", deb, field).strip()


def deb_files(deb):
    """The paths a package holds (links by their own name, not their target)."""
    return sorted(line.split()[5] for line in run("dpkg-deb", "-c", deb).splitlines())


def depends_packages(depends):
    return {alt.strip().split()[0] for item in depends.split(",") for alt in item.split("|")}


class Arm64BuildTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        debs = [f for f in os.listdir(BUILD) if re.fullmatch(r"wireguard-exporter_.*_arm64\.deb", f)]
        assert len(debs) == 1, debs
        cls.deb = os.path.join(BUILD, debs[0])
        cls.tmp = tempfile.TemporaryDirectory()
        subprocess.run(["cpack", "-G", "DEB", "--config",
                        os.path.join(NATIVE_BUILD, "CPackConfig.cmake"), "-B", cls.tmp.name],
                       capture_output=True, check=True)
        native = [f for f in os.listdir(cls.tmp.name) if f.endswith(".deb")]
        cls.native_deb = os.path.join(cls.tmp.name, native[0])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_binary_is_aarch64(self):
        with open(ARM64_BINARY, "rb") as f:
            header = f.read(20)
        self.assertEqual(header[:4], b"\x7fELF")
        self.assertEqual(int.from_bytes(header[18:20], "little"), EM_AARCH64)

    def test_version_under_qemu_matches_the_native_build(self):
        arm = run("qemu-aarch64-static", "-L", SYSROOT, ARM64_BINARY, "--version").strip()
        native = run(NATIVE, "--version").strip()
        self.assertEqual(arm, native)

    def test_package_is_the_native_one_for_arm64(self):
        self.assertEqual(deb_field(self.deb, "Architecture"), "arm64")
        self.assertEqual(deb_field(self.native_deb, "Architecture"), "amd64")
        self.assertEqual(deb_field(self.deb, "Depends"), deb_field(self.native_deb, "Depends"))
        self.assertEqual(deb_field(self.deb, "Version"), deb_field(self.native_deb, "Version"))
        self.assertEqual(deb_files(self.deb), deb_files(self.native_deb))
        with tempfile.TemporaryDirectory() as tmp:
            run("dpkg-deb", "-x", self.deb, tmp)
            with open(os.path.join(tmp, "usr/bin/wireguard_exporter"), "rb") as f:
                self.assertEqual(int.from_bytes(f.read(20)[18:20], "little"), EM_AARCH64)

    def test_every_library_it_loads_comes_from_a_package_it_depends_on(self):
        """Each NEEDED library of the arm64 binary is in an arm64 package of the
        sysroot (its .deb kept in the sysroot's apt cache) that Depends names."""
        depends = depends_packages(deb_field(self.deb, "Depends"))
        archives = os.path.join(SYSROOT, "var/cache/apt/archives")
        owners = {}
        for deb in os.listdir(archives):
            if not deb.endswith("_arm64.deb"):
                continue
            path = os.path.join(archives, deb)
            # The package, and what it Provides (libspdlog1.10 provides libspdlog1.10-fmt9).
            provides = deb_field(path, "Provides")
            names = {deb.split("_")[0]} | (depends_packages(provides) if provides else set())
            for member in deb_files(path):
                owners.setdefault(os.path.basename(member), set()).update(names)
        libs = needed(ARM64_BINARY)
        # The same libraries as the native build; aarch64's glibc also names its loader.
        self.assertEqual([lib for lib in libs if not lib.startswith("ld-linux")], needed(NATIVE))
        for lib in libs:
            with self.subTest(lib=lib):
                self.assertTrue(owners.get(lib, set()) & depends,
                                f"{lib} is in {owners.get(lib)}, Depends: {sorted(depends)}")


class Arm64ScrapeTest(unittest.TestCase):
    def test_scrape_under_qemu_matches_the_native_exporter(self):
        with wgnet.Network("x") as net:
            a = net.namespace("a")
            b = net.namespace("b")
            net.veth(a, b, "10.237.0.1/24", "10.237.0.2/24")
            wa = net.wg_interface(a, "wa")
            wb = net.wg_interface(b, "wb")
            wa.set_identity(wgnet.Keypair.generate(), 51931)
            wb.set_identity(wgnet.Keypair.generate(), 51932)
            for w, cidr in ((wa, "10.238.0.1/24"), (wb, "10.238.0.2/24")):
                w.add_address(cidr)
                w.up()
            net.connect(wa, wb, "10.238.0.1", "10.238.0.2", "10.237.0.2")
            never = wgnet.Keypair.generate()
            wa.add_peer(never.public, allowed_ips=["10.238.0.9/32"])
            interfaces = {wa.name, wb.name}

            wrapper = os.path.join(net.workdir, "arm64-exporter")
            with open(wrapper, "w") as f:
                f.write(f"#!/bin/sh\nexec qemu-aarch64-static -L {SYSROOT} {ARM64_BINARY} \"$@\"\n")
            os.chmod(wrapper, 0o755)
            arm = wgnet.Exporter(net.workdir, lifecycle=False, binary=wrapper)
            arm.start(timeout=60)
            native = wgnet.Exporter(net.workdir, lifecycle=False)
            native.start()
            try:
                from_arm = arm.scrape(timeout=60)
                from_native = native.scrape()
            finally:
                arm.close()
                native.close()
        view = peer_view(from_arm, interfaces)
        self.assertEqual(view, peer_view(from_native, interfaces))
        self.assertEqual(len([k for k in view if k[0] == "peer"]), 3)
        self.assertEqual(from_arm.value("wireguard_peer_online", interface=wa.name,
                                        public_key=wb.public_key), 1)
        self.assertEqual(from_arm.value("wireguard_peer_online", interface=wa.name,
                                        public_key=never.public), 0)
        self.assertEqual(from_arm.value("wireguard_interface_peers", interface=wa.name), 2)
        self.assertGreater(from_arm.value("wireguard_peer_receive_bytes_total", interface=wa.name,
                                          public_key=wb.public_key), 0)


if __name__ == "__main__":
    unittest.main()
