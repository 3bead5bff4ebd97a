#!/bin/sh
# Lays out the runtime image's whole file system under ROOT: the installed
# exporter, every shared library it and its private libraries load (found
# with ldd, copied under their own paths), the licences of the Debian
# packages they come from, and the users. Runs in the build stage.
# Usage: make-rootfs.sh ROOT VERSION REVISION
set -eu
root=$1 version=$2 revision=$3
bin=/usr/bin/wireguard_exporter

# The binary must say the version and revision the image's labels carry.
said=$("$bin" --version)
case "$said" in
  *"version ${version} (revision: ${revision})"*) ;;
  *) echo "make-rootfs: the binary says '$said', the labels say ${version} ${revision}" >&2; exit 1 ;;
esac

mkdir -p "$root/usr/bin" "$root/usr/lib" "$root/usr/lib64" "$root/etc" "$root/run" \
  "$root/tmp" "$root/usr/share/doc/wireguard-exporter"
# Debian's merged /usr, so that paths ldd prints (/lib/..., /lib64/...) exist.
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
ln -s usr/bin "$root/bin"
ln -s ../run "$root/var/run" 2>/dev/null || { mkdir -p "$root/var"; ln -s ../run "$root/var/run"; }
chmod 1777 "$root/tmp"
cp -a "$bin" "$root/usr/bin/"
# Permitted only (no effective bit): the kernel grants each of them only when
# the runtime's bounding set holds it, and the binary still starts when not.
setcap cap_net_admin,cap_dac_override+p "$root/usr/bin/wireguard_exporter"

# The exporter's private libraries (loaded by path), if the build has any.
elves=$bin
if [ -d /usr/lib/wireguard_exporter ]; then
  mkdir -p "$root/usr/lib/wireguard_exporter"
  cp -a /usr/lib/wireguard_exporter/. "$root/usr/lib/wireguard_exporter/"
  elves="$elves $(find /usr/lib/wireguard_exporter -type f -name '*.so*')"
fi
libs=$(for e in $elves; do ldd "$e"; done | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}' | sort -u)
[ -n "$libs" ] || { echo "make-rootfs: ldd found no libraries" >&2; exit 1; }
for lib in $libs; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
  # The Debian package's copyright file goes along with its library.
  pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1)
  if [ -n "$pkg" ] && [ -f "/usr/share/doc/$pkg/copyright" ]; then
    mkdir -p "$root/usr/share/doc/$pkg"
    cp "/usr/share/doc/$pkg/copyright" "$root/usr/share/doc/$pkg/"
  fi
done
cp /src/LICENSE /src/README.md "$root/usr/share/doc/wireguard-exporter/"

cat > "$root/etc/passwd" <<'EOP'
root:x:0:0:root:/root:/usr/sbin/nologin
nonroot:x:65532:65532:wireguard_exporter:/nonexistent:/usr/sbin/nologin
EOP
cat > "$root/etc/group" <<'EOG'
root:x:0:
nonroot:x:65532:
EOG
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
echo "make-rootfs: $(du -sh "$root" | cut -f1) in $(find "$root" -type f | wc -l) files"
