//! Properties files and config definitions (worker and connector configs).
