# Shared by infra/bin scripts: a pinned pnpm and installed node_modules, without manual steps.
zm_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
zm_ensure_deps() {
  ZM_PNPM="$("$zm_root/infra/bin/ensure-pnpm")"
  export ZM_PNPM
  export PATH="$(dirname "$ZM_PNPM"):$PATH"
  local stamp="$zm_root/node_modules/.zm-lock-stamp"
  if [ ! -f "$stamp" ] || [ "$zm_root/pnpm-lock.yaml" -nt "$stamp" ]; then
    echo "zmwatch: installing node dependencies (pnpm install --frozen-lockfile)" >&2
    (cd "$zm_root" && "$ZM_PNPM" install --frozen-lockfile --reporter=append-only >&2) || {
      echo "zmwatch: pnpm install failed (see above)" >&2
      return 1
    }
    touch "$stamp"
  fi
  export PATH="$zm_root/node_modules/.bin:$PATH"
}
