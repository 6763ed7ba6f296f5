"""The S3-compatible storage for uploaded and generated files (MEDIA_STORAGE=s3 in
config/settings.py): django-storages' S3Storage, private, with presigned downloads that
name the file the way the app does (core/media.py)."""

from __future__ import annotations

from storages.backends.s3 import S3Storage


class MediaS3Storage(S3Storage):
    def download_url(self, name: str, *, content_type: str, disposition: str) -> str:
        """A GET address for one object, valid for ``querystring_expire`` seconds, whose
        answer carries our content type and Content-Disposition (the Vietnamese name),
        not whatever was stored with the object."""
        return self.url(
            name,
            parameters={
                "ResponseContentType": content_type,
                "ResponseContentDisposition": disposition,
            },
        )
