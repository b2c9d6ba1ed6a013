//! `kroute policy test`.
