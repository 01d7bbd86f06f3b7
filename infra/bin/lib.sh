# Shared by infra/bin scripts: a pinned pnpm and installed node_modules, without manual steps.
zm_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
zm_ensure_deps() {
  ZM_PNPM="$("$zm_root/infra/bin/ensure-pnpm")"
  export ZM_PNPM
  export PATH="$(dirname "$ZM_PNPM"):$PATH"
  local stamp="$zm_root/node_modules/.zm-lock-stamp"
  # Installed again when the lockfile, the workspace settings or a patch of patchedDependencies
  # changed. pnpm itself fails the install loudly (ERR_PNPM_PATCH_FAILED) when a patch no longer
  # applies, and when a patch names a version that is not installed any more ("not used").
  local newer
  newer=$(find "$zm_root/pnpm-lock.yaml" "$zm_root/pnpm-workspace.yaml" "$zm_root/patches" -newer "$stamp" 2>/dev/null | head -1)
  if [ ! -f "$stamp" ] || [ -n "$newer" ]; then
    echo "zmwatch: installing node dependencies (pnpm install --frozen-lockfile)" >&2
    (cd "$zm_root" && "$ZM_PNPM" install --frozen-lockfile --reporter=append-only >&2) || {
      echo "zmwatch: pnpm install failed (see above)" >&2
      return 1
    }
    touch "$stamp"
  fi
  export PATH="$zm_root/node_modules/.bin:$PATH"
}
