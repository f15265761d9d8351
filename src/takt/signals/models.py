"""The forecasting models Takt routes demand patterns to, all from statsforecast.

Default routing and the evidence behind it (rolling origin, last 12 months,
horizons 1-6, refit at every origin; ``benchmarks/bench_forecast.py``):

- intermittent and lumpy -> IMAPA (Petropoulos & Kourentzes 2015). With one model for all 2,509
  full carparts series IMAPA reaches RMSSE 0.689 (ADIDA 0.695, TSB 0.704, Croston
  SBA 0.784 and Croston classic 0.794, the Crostons over-forecasting by 19-26 %).
  With this routing the 2,509 series reach RMSSE 0.686 and bias +3.7 %.
- smooth and erratic without seasonality -> simple exponential smoothing with an
  optimised alpha. On hospital (767 monthly series, 191 with detected seasonality)
  it gives RMSSE 0.824 against 0.828 for non-seasonal AutoETS, at lower cost.
- smooth and erratic with detected seasonality -> AutoETS with the seasonal period
  (hospital: RMSSE 0.824 overall against 0.997 for the seasonal naive).
- new (too little history) -> the historic average of what there is.
- dying -> no model: a zero forecast, flagged for review.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from statsforecast.models import (
    ADIDA,
    IMAPA,
    TSB,
    AutoETS,
    AutoTheta,
    CrostonClassic,
    CrostonSBA,
    HistoricAverage,
    Naive,
    SeasonalNaive,
    SimpleExponentialSmoothingOptimized,
)

from takt.errors import InvalidInputError

ALIAS = "fc"

MODELS: dict[str, Callable[[int], Any]] = {
    "imapa": lambda m: IMAPA(alias=ALIAS),
    "adida": lambda m: ADIDA(alias=ALIAS),
    "croston": lambda m: CrostonClassic(alias=ALIAS),
    "croston_sba": lambda m: CrostonSBA(alias=ALIAS),
    "tsb": lambda m: TSB(alpha_d=0.1, alpha_p=0.1, alias=ALIAS),
    "ses": lambda m: SimpleExponentialSmoothingOptimized(alias=ALIAS),
    "ets": lambda m: AutoETS(season_length=1, alias=ALIAS),
    "ets_seasonal": lambda m: AutoETS(season_length=m, alias=ALIAS),
    "theta_seasonal": lambda m: AutoTheta(season_length=m, alias=ALIAS),
    "naive": lambda m: Naive(alias=ALIAS),
    "seasonal_naive": lambda m: SeasonalNaive(season_length=m, alias=ALIAS),
    "mean": lambda m: HistoricAverage(alias=ALIAS),
}

# Keys: a demand pattern, or "seasonal" for smooth/erratic series with seasonality.
DEFAULT_ROUTING: dict[str, str] = {
    "smooth": "ses",
    "erratic": "ses",
    "seasonal": "ets_seasonal",
    "intermittent": "imapa",
    "lumpy": "imapa",
    "new": "mean",
}


def make_model(name: str, season_length: int) -> Any:
    try:
        return MODELS[name](season_length)
    except KeyError:
        raise InvalidInputError(
            f"unknown forecasting model {name!r}; choose from {', '.join(MODELS)}"
        ) from None


def fallback_model() -> Any:
    """Used by statsforecast for any single series whose model fails to fit."""
    return HistoricAverage(alias=ALIAS)
