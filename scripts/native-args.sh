# The command line scripts/native.sh and scripts/native-ops.sh share; each sources this first:
#   TAG=native
#   source "$(dirname "$0")/native-args.sh" "$@"
# Moves to the repository root and sets ROOT (its path), VARIANT (cpu, or gpu with --gpu or
# LUKELAB_GPU=1; --cpu overrides), FORCE (1 with --force), PKG (the tfjs-node package of the
# variant), PKG_DIR (where it is installed), CACHE_ROOT (the gitignored build cache), and defines log (a line on stderr, prefixed with [TAG]). -h/--help prints the calling
# script's header comment; anything else is an error naming the option, exit status 2.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"

VARIANT=cpu
FORCE=0
[ "${LUKELAB_GPU:-0}" = "1" ] && VARIANT=gpu
for arg in "$@"; do
  case "$arg" in
    --gpu) VARIANT=gpu ;;
    --cpu) VARIANT=cpu ;;
    --force) FORCE=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "[$TAG] unknown option '$arg' (expected --gpu, --cpu, --force)" >&2; exit 2 ;;
  esac
done
PKG=@tensorflow/tfjs-node
[ "$VARIANT" = gpu ] && PKG=@tensorflow/tfjs-node-gpu
PKG_DIR="$ROOT/node_modules/$PKG"
CACHE_ROOT="$ROOT/.cache/libtensorflow"

log() { printf '[%s] %s\n' "$TAG" "$*" >&2; }
