"""Weighted least squares for many meta-analysis problems at once.

A *batch* holds the k studies (``y``, ``v``, design ``X``) once and an ``(m, k)`` 0/1 mask whose
row j selects the studies of problem j: one row for an ordinary fit, ``k`` rows for
leave-one-out, a lower triangle for cumulative meta-analysis. Every quantity below is computed
for all m problems with array operations, so leave-one-out needs no loop over refits.

Notation follows Viechtbauer (2005, J Educ Behav Stat 30:261) and metafor's rma.uni:
``W = diag(w)``, ``A = (X'WX)^-1``, ``P = W - W X A X' W``. Traces use the identities
``tr(P) = sum(w) - tr(A X'W^2X)`` and
``tr(PP) = sum(w^2) - 2 tr(A X'W^3X) + tr((A X'W^2X)^2)``, which avoid k x k matrices.

Speed (issue 12): at k = 10^6 every (m, k) temporary is 8 MB of fresh memory, so the code below
makes as few as it can (weights and residuals are computed in place) and sums row-wise products
with :func:`numpy.vecdot` (a BLAS dot product, several times faster than ``einsum``). A batch
remembers its two most recent fits: the REML estimate, the likelihood check at 0 and the
summary ask for the same fits again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

#: a read-only 1.0 that an all-ones mask of any length views (stride 0: no k-array)
_ONE = np.ones(1)
_ONE.flags.writeable = False


def traces(matrices: np.ndarray) -> np.ndarray:
    """The trace of every matrix of an (m, p, p) stack (the element itself when p = 1)."""
    if matrices.shape[1] == 1:
        return matrices[:, 0, 0]
    return np.trace(matrices, axis1=1, axis2=2)


#: tr(P) below this fraction of sum(w) has lost most of its digits to cancellation (one weight
#: dominating the others, e.g. a sampling variance of 1e-20 beside ones of 0.01-1)
CANCELLATION = 1e-8


@dataclass(frozen=True, eq=False)
class Batch:
    """k studies and an (m, k) mask of problems; ``y``, ``v`` shape (k,), ``X`` shape (k, p)."""

    y: np.ndarray
    v: np.ndarray
    X: np.ndarray
    mask: np.ndarray
    _recent_fits: dict[bytes, Fit] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def single(cls, y: np.ndarray, v: np.ndarray, X: np.ndarray) -> Batch:
        """One problem holding every study (an ordinary fit): the mask is a read-only all-ones view
        (no k-array), and its study count and fullness are known without reading it."""
        batch = cls(y=y, v=v, X=X, mask=np.ndarray((1, len(y)), dtype=float, buffer=_ONE, strides=(0, 0)))
        batch.__dict__.update(k=np.array([float(len(y))]), full=True)  # the cached properties' values
        return batch

    @property
    def p(self) -> int:
        return self.X.shape[1]

    @cached_property
    def k(self) -> np.ndarray:
        """Number of studies in each problem, shape (m,)."""
        return self.mask.sum(axis=1)

    @cached_property
    def xx(self) -> np.ndarray:
        """Row-wise outer products x_i x_i', flattened to shape (k, p*p) (X itself when all ones)."""
        if self.intercept_only:
            return self.X
        return (self.X[:, :, None] * self.X[:, None, :]).reshape(len(self.y), -1)

    @cached_property
    def xy(self) -> np.ndarray:
        """Rows x_i y_i, shape (k, p) (a view of y for the intercept alone)."""
        if self.intercept_only:
            return self.y[:, None]
        return self.X * self.y[:, None]

    @cached_property
    def intercept_only(self) -> bool:
        """True when X is the intercept column alone: no products with X are formed."""
        return self.p == 1 and not (self.X[:, 0] != 1.0).any()

    def cross(self, w: np.ndarray) -> np.ndarray:
        """X' diag(w_j) X for every problem j: shape (m, p, p)."""
        p = self.p
        return (w @ self.xx).reshape(-1, p, p)

    @cached_property
    def full(self) -> bool:
        """True when every problem holds every study (an ordinary fit): no masking needed."""
        return bool(self.mask.all())

    def weights(self, tau2: np.ndarray) -> np.ndarray:
        """Masked random-effects weights 1 / (v + tau2_j), shape (m, k)."""
        w = np.add(self.v[None, :], np.asarray(tau2, dtype=float)[:, None])
        np.reciprocal(w, out=w)
        if not self.full:
            w *= self.mask
        return w

    def fit(self, w: np.ndarray) -> Fit:
        """Weighted least-squares fit of every problem with weights ``w`` (zero outside the mask)."""
        cross = self.cross(w)
        xwy = w @ self.xy
        if self.p == 1:  # a 1 x 1 inverse is a division (np.linalg.inv costs ~10 us a call)
            if not cross.all():
                raise np.linalg.LinAlgError("Singular matrix")
            a = np.reciprocal(cross, out=cross)
            beta = a[:, 0] * xwy
        else:
            a = np.linalg.inv(cross)
            beta = np.einsum("mij,mj->mi", a, xwy)
        if self.intercept_only:
            resid = np.subtract(self.y[None, :], beta)
        else:
            resid = beta @ self.X.T
            np.subtract(self.y[None, :], resid, out=resid)
        return Fit(batch=self, w=w, a=a, beta=beta, resid=resid)

    def fit_at(self, tau2: np.ndarray) -> Fit:
        """The random-effects fit of every problem at its own ``tau2`` (one of the two latest is reused)."""
        tau2 = np.asarray(tau2, dtype=float)
        key = tau2.tobytes()
        found = self._recent_fits.get(key)
        if found is None:
            found = self.fit(self.weights(tau2))
            self._recent_fits[key] = found
            if len(self._recent_fits) > 2:
                del self._recent_fits[next(iter(self._recent_fits))]
        return found


@dataclass(frozen=True, eq=False)
class Fit:
    """One weighted least-squares fit per problem: weights, A = (X'WX)^-1, coefficients, residuals."""

    batch: Batch
    w: np.ndarray
    a: np.ndarray
    beta: np.ndarray
    resid: np.ndarray

    @cached_property
    def w2(self) -> np.ndarray:
        """Squared weights."""
        return self.w * self.w

    @cached_property
    def wr(self) -> np.ndarray:
        """w r = Py, shape (m, k)."""
        return self.w * self.resid

    @cached_property
    def w2r(self) -> np.ndarray:
        """w^2 r = W Py, shape (m, k)."""
        return self.w * self.wr

    @cached_property
    def rss(self) -> np.ndarray:
        """Weighted residual sum of squares y'Py = sum w r^2 (the generalised Q statistic)."""
        return np.vecdot(self.wr, self.resid)

    @cached_property
    def a_b2(self) -> np.ndarray:
        """A X'W^2X, shape (m, p, p)."""
        return self.a @ self.batch.cross(self.w2)

    @cached_property
    def trace_p(self) -> np.ndarray:
        """tr(P); without cancellation when one weight dominates an intercept-only problem."""
        total = self.w.sum(axis=1)
        trace = total - traces(self.a_b2)
        lost = trace < CANCELLATION * total
        if self.batch.intercept_only and lost.any():
            # tr(P) = sum_i w_i (sum of the other weights) / sum w: the sums of the others, from
            # the cumulative sums before and after each study, never subtract the dominant weight
            w = self.w[lost]
            others = np.zeros_like(w)
            others[:, 1:] = np.cumsum(w, axis=1)[:, :-1]
            others[:, :-1] += np.cumsum(w[:, :0:-1], axis=1)[:, ::-1]
            trace[lost] = np.vecdot(w, others) / total[lost]
        return trace

    @cached_property
    def trace_pp(self) -> np.ndarray:
        """tr(PP)."""
        a_b3 = self.a @ self.batch.cross(self.w2 * self.w)
        return self.w2.sum(axis=1) - 2.0 * traces(a_b3) + np.einsum("mij,mji->m", self.a_b2, self.a_b2)

    @cached_property
    def ypp_y(self) -> np.ndarray:
        """y'PPy = sum w^2 r^2 (because Py = W r)."""
        return np.vecdot(self.wr, self.wr)

    @cached_property
    def yppp_y(self) -> np.ndarray:
        """y'PPPy = z'Pz with z = Py = W r: ``sum w^3 r^2 - (X'W^2 r)' A (X'W^2 r)``."""
        xw2r = self.w2r @ self.batch.X
        return np.vecdot(self.w2r, self.wr) - np.einsum("mi,mij,mj->m", xw2r, self.a, xw2r)

    def leverage(self) -> np.ndarray:
        """Hat values w_i x_i' A x_i, shape (m, k)."""
        return self.w * np.einsum("ki,mij,kj->mk", self.batch.X, self.a, self.batch.X)
