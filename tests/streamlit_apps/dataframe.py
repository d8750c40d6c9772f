"""A DataFrame in server_state, shown with st.dataframe and edited with st.data_editor."""

import pandas as pd
import streamlit as st
from observable_streamlit import server_state, server_state_lock

with server_state_lock["df"]:
    if "df" not in server_state:
        server_state.df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})

st.dataframe(server_state.df)
server_state.df = st.data_editor(server_state.df, key="editor")
st.markdown(f"df_sum={int(server_state.df['a'].sum())}")
st.markdown(f"first={server_state.df['a'].iloc[0]}")
