"""Queueing formulas behind the reallocation advisor.

All times are in minutes, rates per minute. A window's server count may be fractional (a window
shared by several categories gives each a part of itself), so the steady-state wait uses an
approximation of Erlang C that is smooth in the number of servers:

* **Erlang C** (:func:`erlang_c`, :func:`mmc_wait`) — the exact M/M/c formulas, for integer
  server counts; used by tests and to check the approximation.
* **Sakasegawa's approximation** (:func:`steady_wait`) — ``Wq ≈ ρ^(√(2(c+1))−1) / (c(1−ρ)) · s``,
  exact for c = 1 and within a few percent of Erlang C for the loads a hall sees, defined for
  any real c ≥ 1. Below one server the category gets a slower single server (speed c), i.e.
  ``ρ/(1−ρ) · s/c``.
* **Waiting beyond a target** (:func:`mmc_wait_beyond`) — ``P(W > t) = C(c, a)·e^(−(c−a)t/s)``,
  the Erlang C tail the staffing plan holds to a service level ("80 % called within the target").
* **Square-root staffing** (:func:`halfin_whitt_servers`) — ``c = a + β√a``, with β from the
  Halfin–Whitt limit of the same service level; an independent cross-check of the Erlang C count.
* **Allen–Cunneen** factor ``(1 + cv²)/2`` turns the M/M/c wait into an M/G/c one: service
  times in halls are lognormal with a coefficient of variation near 0.5, so waits are shorter
  than the exponential model says.
* **Fluid backlog** (:func:`fluid_area`) — the tickets already waiting drain at the rate the
  windows exceed arrivals (or grow when they do not); its area over a horizon is the waiting
  the backlog adds, in ticket-minutes. Steady-state formulas alone ignore a queue that is
  already long, and give infinity for an overloaded category; the fluid term stays finite.
"""

from __future__ import annotations

import math


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival has to wait in an M/M/c queue (c = ``servers``, a = λ·s)."""
    if servers <= 0:
        return 1.0
    if offered_load >= servers:
        return 1.0
    # Erlang B by the stable recursion, then C from B.
    b = 1.0
    for k in range(1, servers + 1):
        b = offered_load * b / (k + offered_load * b)
    rho = offered_load / servers
    return b / (1.0 - rho + rho * b)


def mmc_wait(servers: int, arrival_rate: float, service_minutes: float) -> float:
    """Exact mean wait in queue of M/M/c (minutes); infinity when the load reaches the servers."""
    load = arrival_rate * service_minutes
    if servers <= 0 or load >= servers:
        return math.inf
    return erlang_c(servers, load) * service_minutes / (servers - load)


def mmc_wait_beyond(servers: int, arrival_rate: float, service_minutes: float, minutes: float) -> float:
    """Probability that an arrival of M/M/c waits longer than ``minutes`` (1 when the load reaches the servers)."""
    load = arrival_rate * service_minutes
    if servers <= 0 or load >= servers:
        return 1.0
    return erlang_c(servers, load) * math.exp(-(servers - load) * minutes / service_minutes)


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _normal_pdf(x: float) -> float:
    return math.exp(-x * x / 2.0) / math.sqrt(2.0 * math.pi)


def halfin_whitt_wait_probability(beta: float) -> float:
    """The Halfin–Whitt limit of Erlang C for ``c = a + β√a``: ``1 / (1 + βΦ(β)/φ(β))``."""
    if beta <= 0.0:
        return 1.0
    return 1.0 / (1.0 + beta * _normal_cdf(beta) / _normal_pdf(beta))


def halfin_whitt_servers(offered_load: float, service_minutes: float, target_minutes: float, within_target_share: float) -> int:
    """Servers by the square-root rule ``⌈a + β√a⌉``, β the smallest meeting, in the Halfin–Whitt
    limit, the same level as the plan: mean wait ≤ target and P(W > target) ≤ 1 − share.

    In that limit ``c − a = β√a``, so the mean wait is ``P(wait)·s/(β√a)`` and the tail
    ``P(wait)·e^(−β√a·t/s)``; β is found by bisection (both fall as β grows).
    """
    if offered_load <= 0.0:
        return 0
    root = math.sqrt(offered_load)
    allowed_tail = 1.0 - within_target_share

    def meets(beta: float) -> bool:
        waits = halfin_whitt_wait_probability(beta)
        mean_wait = waits * service_minutes / (beta * root)
        tail = waits * math.exp(-beta * root * target_minutes / service_minutes)
        return mean_wait <= target_minutes and tail <= allowed_tail

    low, high = 1e-6, 10.0
    for _ in range(60):
        middle = (low + high) / 2.0
        low, high = (low, middle) if meets(middle) else (middle, high)
    return max(1, math.ceil(offered_load + high * root - 1e-9))


def steady_wait(servers: float, utilisation: float, service_minutes: float) -> float:
    """Approximate M/M/c mean wait for a real number of servers (Sakasegawa; slow server below 1)."""
    if servers <= 0.0:
        return math.inf
    if utilisation <= 0.0:
        return 0.0
    if utilisation >= 1.0:
        return math.inf
    if servers < 1.0:
        return utilisation / (1.0 - utilisation) * service_minutes / servers
    exponent = math.sqrt(2.0 * (servers + 1.0)) - 1.0
    return utilisation**exponent / (servers * (1.0 - utilisation)) * service_minutes


def variability_factor(service_cv: float, arrival_cv: float = 1.0) -> float:
    """Allen–Cunneen correction from M/M/c to G/G/c: (ca² + cs²) / 2."""
    return (arrival_cv * arrival_cv + service_cv * service_cv) / 2.0


def lognormal_cv(sigma: float) -> float:
    """Coefficient of variation of a lognormal distribution whose log has standard deviation σ."""
    return math.sqrt(math.exp(sigma * sigma) - 1.0)


def fluid_area(backlog: float, arrival_rate: float, service_rate: float, horizon: float) -> float:
    """Area under the fluid queue ``q(t) = max(0, q0 + (λ − r)t)`` for t in [0, horizon] (ticket-minutes)."""
    drift = arrival_rate - service_rate
    if drift >= 0.0:
        return backlog * horizon + drift * horizon * horizon / 2.0
    empty_at = backlog / -drift
    if empty_at >= horizon:
        return backlog * horizon + drift * horizon * horizon / 2.0
    return backlog * empty_at / 2.0


def blended_rate(count: int, observed_minutes: float, prior_per_minute: float, prior_minutes: float = 15.0) -> float:
    """Arrival rate per minute from ``count`` arrivals seen in ``observed_minutes``, shrunk towards a prior.

    The prior (the planned rate) weighs like ``prior_minutes`` of observation, so a quiet first
    quarter hour or a category with a few tickets an hour does not swing the estimate to zero.
    """
    weight = max(0.0, observed_minutes) + max(0.0, prior_minutes)
    if weight <= 0.0:
        return prior_per_minute
    return (count + prior_per_minute * prior_minutes) / weight
