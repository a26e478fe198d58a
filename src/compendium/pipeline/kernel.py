"""The kernel manager papermill starts each stage's kernel with (imported only when a stage runs)."""

from __future__ import annotations

import os
import tempfile
import uuid

from jupyter_client.manager import AsyncKernelManager


class IPCKernelManager(AsyncKernelManager):
    """Kernel reached over local IPC sockets: no TCP ports on the machine (and no warning about them).

    Each kernel gets its own socket path prefix in the temporary folder: with jupyter_client's
    default (``kernel-ipc`` in the working directory) two stages started side by side (``make -j``)
    picked the same sockets and talked to each other's kernels.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.ip = os.path.join(tempfile.gettempdir(), f"compendium-kernel-{uuid.uuid4().hex[:12]}")
