"""Static files across releases, for rolling upgrades of several app servers.

During an upgrade the servers run two releases at once and the load balancer sends any
request to any of them: a page rendered by an upgraded server names the new hashed files
(`app.<new hash>.css`), one rendered by an old server the old ones. Every server must
therefore serve both. Two pieces, with `collectstatic` run into STATIC_ROOT (kept
between releases, never `--clear`ed during an upgrade) before any server restarts:

- ReleaseStaticFilesStorage keeps the previous release's manifest entries for files the
  new release no longer has, so that an old process that (re)loads the manifest still
  finds every name its templates use. Files changed in the new release get their new
  hashed name; the old hashed file stays on disk.
- StaticFilesMiddleware is whitenoise, which indexes STATIC_ROOT once when the process
  starts, plus the hashed files written there later: an old server asked for a new
  release's file serves it from disk (and remembers it) instead of answering 404.

docs/deployment.md ("Upgrades") has the procedure and how to prune old files.
"""

from __future__ import annotations

import os
import re

from django.core.exceptions import SuspiciousFileOperation
from django.utils._os import safe_join
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage

# Django's hashed names: `name.<hash>.ext`, the hash being HashedFilesMixin.file_hash's
# leading hex digits of an MD5. Such a file never changes.
HASH_DIGITS = 12
HASHED_NAME = re.compile(rf"\.[0-9a-f]{{{HASH_DIGITS}}}\.[A-Za-z0-9]+$")


class ReleaseStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def save_manifest(self):
        # The manifest on disk is still the previous release's (it is written last).
        previous, _hash = self.load_manifest()
        for name, hashed in previous.items():
            if name not in self.hashed_files and self.exists(hashed):
                self.hashed_files[name] = hashed
        super().save_manifest()


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    def __call__(self, request):
        url = request.path_info
        if (
            not self.autorefresh
            and url not in self.files
            and url.startswith(self.static_prefix)
            and HASHED_NAME.search(url)
            and self.url_is_canonical(url)
            and self.static_root
        ):
            try:
                path = safe_join(os.fspath(self.static_root), url[len(self.static_prefix) :])
            except SuspiciousFileOperation:
                path = None
            if path and os.path.isfile(path):
                self.add_file_to_dictionary(url, path)
        return super().__call__(request)
