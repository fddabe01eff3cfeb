#!/usr/bin/env bash
# Installs an overexposed release binary on a GitHub Actions runner (used by action.yml and
# install/action.yml): downloads the archive for this OS and CPU and its .sha256, refuses it
# unless the checksum matches, unpacks it under $RUNNER_TEMP and puts it on PATH.
#
# Environment:
#   OVEREXPOSED_VERSION       a release (0.2.0 or v0.2.0), `latest`, or empty: the version in
#                             this checkout's Cargo.toml, so an action pinned to a tag installs
#                             the binary of that same release
#   OVEREXPOSED_RELEASES_URL  where the releases are (default: the project's GitHub releases);
#                             assets are read from $URL/download/v<version>/<asset>
# Writes the step outputs `path` (the binary) and `version`, and the binary's directory to
# $GITHUB_PATH.
set -euo pipefail

fail() {
    echo "::error title=overexposed install::$1"
    exit 1
}

releases="${OVEREXPOSED_RELEASES_URL:-https://github.com/overexposed/overexposed/releases}"
releases="${releases%/}"
version="${OVEREXPOSED_VERSION:-}"

if [[ -z "$version" ]]; then
    manifest="$(dirname "$0")/../Cargo.toml"
    version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$manifest" | head -n 1)"
    [[ -n "$version" ]] || fail "no version in $manifest: set the version input"
elif [[ "$version" == latest ]]; then
    # The latest release's page redirects to its tag: no API call, no token, no rate limit.
    url="$(curl -fsSL --retry 3 -o /dev/null -w '%{url_effective}' "$releases/latest")" ||
        fail "could not find the latest release at $releases/latest"
    version="${url##*/}"
fi
version="${version#v}"
# Also keeps the value safe to print inside workflow commands and URLs.
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]]; then
    fail "the version input is not a release version (expected e.g. 0.2.0, v0.2.0 or latest)"
fi

case "$(uname -s)/$(uname -m)" in
Linux/x86_64) target=x86_64-unknown-linux-musl ;;
Linux/aarch64 | Linux/arm64) target=aarch64-unknown-linux-musl ;;
Darwin/x86_64) target=x86_64-apple-darwin ;;
Darwin/arm64) target=aarch64-apple-darwin ;;
*) fail "no overexposed release binary for $(uname -s) $(uname -m) (Linux and macOS, x86_64 and arm64)" ;;
esac

name="overexposed-$version-$target"
dir="${RUNNER_TEMP:?RUNNER_TEMP is not set}/overexposed-$version"
archive="$dir/$name.tar.gz"
mkdir -p "$dir"
for asset in "$name.tar.gz" "$name.tar.gz.sha256"; do
    curl -fsSL --retry 3 -o "$dir/$asset" "$releases/download/v$version/$asset" ||
        fail "could not download $asset of release v$version from $releases"
done

expected="$(awk '{ print $1; exit }' "$archive.sha256")"
if command -v sha256sum >/dev/null; then
    actual="$(sha256sum "$archive" | awk '{ print $1 }')"
else
    actual="$(shasum -a 256 "$archive" | awk '{ print $1 }')"
fi
if [[ ! "$expected" =~ ^[0-9a-f]{64}$ || "$actual" != "$expected" ]]; then
    rm -f "$archive"
    fail "checksum mismatch for $name.tar.gz (expected ${expected:0:64}, got $actual): not installed"
fi

tar -xzf "$archive" -C "$dir"
bin="$dir/$name/overexposed"
[[ -x "$bin" ]] || fail "$name.tar.gz has no executable $name/overexposed"
installed="$("$bin" --version)" || fail "$name/overexposed does not run on this runner"
echo "Installed $installed ($target) from $releases (sha256 $actual)"

echo "$dir/$name" >>"$GITHUB_PATH"
{
    echo "path=$bin"
    echo "version=$version"
} >>"$GITHUB_OUTPUT"
