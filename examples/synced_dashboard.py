"""A dashboard a room of people drive together: filters, a chart, targets and a note.

Run: ``streamlit run examples/synced_dashboard.py``, open it in two browsers, join the
same room (or share the ``?room=`` link) and move a filter. Add ``&mode=viewer`` to the
link for a read-only view. With ``OBSERVABLE_STORE_URL=sqlite:///rooms.db`` the room
survives a restart; with ``redis://...`` several servers share it.
"""

import datetime as dt

import numpy as np
import pandas as pd
import streamlit as st
from observable_streamlit import not_synced, room_presence, select_room, sync

st.set_page_config(page_title="Synced dashboard", layout="wide")


@st.cache_data
def sales() -> pd.DataFrame:
    """A year of made-up daily sales for three regions and three products."""
    rng = np.random.default_rng(7)
    days = pd.date_range("2024-01-01", periods=366, freq="D")
    rows = [
        {"day": day, "region": region, "product": product, "units": int(rng.poisson(20 + 10 * i))}
        for day in days
        for i, region in enumerate(["North", "South", "West"])
        for product in ["Tea", "Coffee", "Cocoa"]
    ]
    return pd.DataFrame(rows)


st.title("Sales, together")
room = select_room()
if room is None:
    st.info("Pick or create a room in the sidebar to share this dashboard.")
    st.stop()

viewer = st.query_params.get("mode") == "viewer"
with sync(room, readonly=viewer):
    st.caption(str(room_presence(room)))
    left, right = st.columns([1, 3])
    with left:
        regions = st.multiselect("Regions", ["North", "South", "West"], default=["North"])
        products = st.multiselect("Products", ["Tea", "Coffee", "Cocoa"], default=["Tea", "Coffee"])
        start, end = st.slider(
            "Dates",
            min_value=dt.date(2024, 1, 1),
            max_value=dt.date(2024, 12, 31),
            value=(dt.date(2024, 1, 1), dt.date(2024, 6, 30)),
        )
        smooth = st.toggle("7-day average", value=True)
        note = st.text_area("Shared note", key="note", placeholder="what we decided")
        targets = st.data_editor(
            pd.DataFrame({"product": ["Tea", "Coffee", "Cocoa"], "target": [4000, 6000, 3000]}),
            key="targets",
            hide_index=True,
            disabled=["product"],
        )
        nickname = st.text_input("Your nickname (private)", key=not_synced("nickname"))
    with right:
        data = sales()
        picked = data[
            data["region"].isin(regions)
            & data["product"].isin(products)
            & data["day"].between(pd.Timestamp(start), pd.Timestamp(end))
        ]
        chart = picked.pivot_table(index="day", columns="product", values="units", aggfunc="sum")
        if smooth:
            chart = chart.rolling(7, min_periods=1).mean()
        st.line_chart(chart)
        st.metric("Units in view", f"{int(picked['units'].sum()):,}")
        goal = int(targets[targets["product"].isin(products)]["target"].sum())
        st.metric("Target for these products", f"{goal:,}")
        if st.button("Celebrate"):  # an action: only this tab gets balloons
            st.balloons()
if nickname:
    st.sidebar.write(f"Hello, {nickname}.")
