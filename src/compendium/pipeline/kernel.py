"""The kernel manager papermill starts each stage's kernel with (imported only when a stage runs)."""

from __future__ import annotations

import os
import tempfile
import uuid

from jupyter_client.manager import AsyncKernelManager

#: a stage kernel keeps no command history: IPython's history database (one SQLite file per user,
#: written from a thread) costs start-up time and is shared by kernels started side by side
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]


class IPCKernelManager(AsyncKernelManager):
    """Kernel reached over local IPC sockets: no TCP ports on the machine (and no warning about them),
    started without command history (:data:`KERNEL_ARGUMENTS`).

    Each kernel gets its own socket path prefix in the temporary folder: with jupyter_client's
    default (``kernel-ipc`` in the working directory) two stages started side by side (``make -j``)
    picked the same sockets and talked to each other's kernels.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.ip = os.path.join(tempfile.gettempdir(), f"compendium-kernel-{uuid.uuid4().hex[:12]}")

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return super().format_kernel_cmd([*(extra_arguments or []), *KERNEL_ARGUMENTS])
