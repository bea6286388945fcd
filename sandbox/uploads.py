"""The three-step file upload that `WebClient.files_upload_v2` performs.

1. `files.getUploadURLExternal` hands out an upload URL on this server;
2. the client POSTs the raw bytes there;
3. `files.completeUploadExternal` shares the file, posting it to a conversation if asked.
"""

from __future__ import annotations

import copy
import mimetypes
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sandbox.conversations import Content, Conversations
from sandbox.directory import Directory
from sandbox.ids import IdMint
from sandbox.records import BOT_USER_ID, TEAM_DOMAIN, JsonObject, UploadedFile
from sandbox.wire import SlackError, int_arg, json_arg, text_arg

Handler = Callable[[dict[str, Any]], JsonObject]


class Uploads:
    def __init__(
        self, directory: Directory, conversations: Conversations, mint: IdMint, public_url: str
    ) -> None:
        self._directory = directory
        self._conversations = conversations
        self._mint = mint
        self._public_url = public_url
        self.files: dict[str, UploadedFile] = {}

    def methods(self) -> dict[str, Handler]:
        return {
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete,
        }

    def receive(self, file_id: str, content: bytes) -> bool:
        """Step 2; False when the upload URL was never handed out."""
        pending = self.files.get(file_id)
        if pending is None or pending.completed:
            return False
        self.files[file_id] = replace(pending, content=content)
        return True

    def _get_upload_url(self, params: dict[str, Any]) -> JsonObject:
        filename = text_arg(params, "filename")
        length = int_arg(params, "length", 0, "invalid_arguments")
        if filename is None or length <= 0:
            raise SlackError("invalid_arguments", ["[ERROR] filename and a positive length needed"])
        file_id = self._mint.object_id("F")
        self.files[file_id] = UploadedFile(file_id, filename, length)
        return {"upload_url": f"{self._public_url}/upload/{file_id}", "file_id": file_id}

    def _complete(self, params: dict[str, Any]) -> JsonObject:
        entries = json_arg(params, "files", "invalid_arguments")
        if not isinstance(entries, list) or not entries:
            raise SlackError("invalid_arguments", ["[ERROR] files must be a non-empty array"])
        uploads = [self._uploaded(entry) for entry in entries]
        targets = [text_arg(params, "channel_id"), *(text_arg(params, "channels") or "").split(",")]
        channels = [self._directory.destination(t) for t in dict.fromkeys(targets) if t]
        thread_ts = text_arg(params, "thread_ts")
        comment = text_arg(params, "initial_comment")
        shared: list[JsonObject] = []
        for upload, entry in zip(uploads, entries, strict=True):
            done = replace(
                upload,
                title=entry.get("title") or upload.filename,
                channel_id=channels[0].id if channels else None,
                initial_comment=comment,
                thread_ts=thread_ts,
                completed=True,
            )
            self.files[done.id] = done
            shared.append(self._describe(done, [c.id for c in channels]))
        for channel in channels:
            self._conversations.post(
                channel,
                Content(comment or "", None, None),
                thread_ts=thread_ts,
                files=copy.deepcopy(shared),
            )
        return {"files": shared}

    def _uploaded(self, entry: object) -> UploadedFile:
        file_id = entry.get("id") if isinstance(entry, dict) else None
        upload = self.files.get(str(file_id))
        if upload is None:
            raise SlackError("file_not_found", [f"[ERROR] unknown file id {file_id!r}"])
        if upload.content is None:
            raise SlackError("file_not_found", [f"[ERROR] nothing was uploaded for {file_id}"])
        return upload

    def _describe(self, upload: UploadedFile, channel_ids: list[str]) -> JsonObject:
        now = int(self._mint.now())
        mimetype = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
        stem, dot, extension = upload.filename.rpartition(".")
        return {
            "id": upload.id,
            "created": now,
            "timestamp": now,
            "name": upload.filename,
            "title": upload.title,
            "mimetype": mimetype,
            "filetype": extension.lower() if dot and stem else "",
            "user": BOT_USER_ID,
            "size": len(upload.content or b""),
            "is_external": False,
            "url_private": f"{self._public_url}/files/{upload.id}",
            "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{BOT_USER_ID}/{upload.id}",
            "channels": channel_ids,
        }
