//! shareable (under construction)
