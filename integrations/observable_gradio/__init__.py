"""Gradio integration for observable."""
