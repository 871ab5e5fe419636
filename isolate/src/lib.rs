//! isolate (under construction)
