//! gc (under construction)
