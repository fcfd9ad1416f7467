"""The quarterly satisfaction surveys of the providers' participants (``providers/<id>/surveys/
<YYYY>-Q<n>.csv``, answers 1-5 to three questions), the last eight complete quarters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .common import END_MONTH, csv_text, month_ends, sub_rng, write_text
from .providers import SURVEY_PROVIDERS

SURVEY_QUARTERS = 8
SURVEY_HEADER = ["Massnahme_ID", "Befragungsdatum", "Frage_ID", "Antwort"]


def write_surveys(out: Path, M: pd.DataFrame, seed: int, defects: list[str]) -> None:
    rng = sub_rng(seed, 12)
    last_q = (END_MONTH - 1).astype(np.int64)  # month before the end month
    q_end = np.datetime64(int(last_q - (last_q % 3)) + 2, "M")  # end of last complete quarter
    if (END_MONTH.astype(np.int64) % 12) % 3 == 2:
        q_end = END_MONTH
    sel = M[np.isin(M.role.to_numpy() % 9, list(SURVEY_PROVIDERS))]
    rows = []
    for qi in range(SURVEY_QUARTERS):
        qm = q_end - 3 * (SURVEY_QUARTERS - 1 - qi)
        y = int(qm.astype("datetime64[Y]").astype(int) + 1970)
        q = int((qm.astype(np.int64) % 12) // 3 + 1)
        for r in sel.itertuples():
            n = int(rng.integers(10, 41))
            day = month_ends(np.array([qm]))[0] - int(rng.integers(3, 20))
            lat = r.quality + rng.normal(0, 0.9, (n, 3)) + np.array([0.0, 0.2, -0.1])
            ans = np.clip(np.rint(1.9 + lat), 1, 5).astype(np.int64)
            rows.append(
                pd.DataFrame(
                    {
                        "provider_id": r.provider_id,
                        "role": r.role,
                        "file": f"{y}-Q{q}",
                        "measure_id": r.measure_id,
                        "date": str(day),
                        "question": np.tile(np.array(["F1", "F2", "F3"]), n),
                        "answer": ans.ravel().astype(str),
                    }
                )
            )
    if not rows:
        return
    S = pd.concat(rows, ignore_index=True)
    S = S.sort_values(["provider_id", "file"], kind="stable").reset_index(drop=True)
    ans = S.answer.to_numpy().astype(object)
    hit = np.flatnonzero(S.role.to_numpy() == 0)
    if len(hit):
        i = int(hit[min(7, len(hit) - 1)])
        ans[i] = "7"
        defects.append(
            f"providers/{S.provider_id[i]}/surveys/{S.file[i]}.csv: answer '7' "
            f"(out of range 1-5) for {S.measure_id[i]} {S.question[i]}"
        )
    lines = csv_text(
        SURVEY_HEADER, [S.measure_id.to_numpy(), S.date.to_numpy(), S.question.to_numpy(), ans]
    ).split("\n")[1:-1]
    keys = (S.provider_id + "|" + S.file).to_numpy()
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    for s, e in zip(starts, ends, strict=True):
        write_text(
            out / "providers" / S.provider_id[s] / "surveys" / f"{S.file[s]}.csv",
            ";".join(SURVEY_HEADER) + "\n" + "\n".join(lines[s:e]) + "\n",
        )
