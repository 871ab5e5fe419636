//! heap (under construction)
