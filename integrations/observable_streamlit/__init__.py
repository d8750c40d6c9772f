"""Streamlit integration for observable."""
