//! The console's static files, embedded in the binary: its stylesheet and the vendored htmx
//! and htmx SSE extension (versions and SHA-256 in [`VENDORED`] and `VENDORED.md`; a test
//! recomputes the hashes of the embedded bytes).

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::ConsoleError;

/// One embedded file, served at `/console/static/<path>`.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// Path under `static/`.
    pub path: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
    /// Its media type.
    pub content_type: &'static str,
}

/// A file copied from a published package.
#[derive(Debug, Clone, Copy)]
pub struct Vendored {
    /// Path under `static/`.
    pub path: &'static str,
    /// The npm package it came from.
    pub package: &'static str,
    /// The package's version.
    pub version: &'static str,
    /// The file inside the package.
    pub source: &'static str,
    /// Hex SHA-256 of the file.
    pub sha256: &'static str,
}

/// Every embedded file.
pub const ASSETS: &[Asset] = &[
    Asset {
        path: "console.css",
        bytes: include_bytes!("../static/console.css"),
        content_type: "text/css; charset=utf-8",
    },
    Asset {
        path: "console.js",
        bytes: include_bytes!("../static/console.js"),
        content_type: "text/javascript; charset=utf-8",
    },
    Asset {
        path: "vendor/htmx.min.js",
        bytes: include_bytes!("../static/vendor/htmx.min.js"),
        content_type: "text/javascript; charset=utf-8",
    },
    Asset {
        path: "vendor/sse.min.js",
        bytes: include_bytes!("../static/vendor/sse.min.js"),
        content_type: "text/javascript; charset=utf-8",
    },
];

/// The vendored files, as recorded in `VENDORED.md`.
pub const VENDORED: &[Vendored] = &[
    Vendored {
        path: "vendor/htmx.min.js",
        package: "htmx.org",
        version: "2.0.11",
        source: "dist/htmx.min.js",
        sha256: "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717",
    },
    Vendored {
        path: "vendor/sse.min.js",
        package: "htmx-ext-sse",
        version: "2.2.4",
        source: "dist/sse.min.js",
        sha256: "98a46496de0c3605fbffdce9167ba427bdd9553184f83f149c261891a92c0136",
    },
];

/// The embedded file at `path`, if any.
pub fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

/// `GET /console/static/{*path}`: an embedded file, cached for an hour.
pub async fn serve(Path(path): Path<String>) -> Result<Response, ConsoleError> {
    let asset = find(&path).ok_or(ConsoleError::NotFound("no such file"))?;
    Ok((
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        asset.bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    fn hex(bytes: &[u8]) -> String {
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn vendored_files_match_their_recorded_hashes() {
        let record = include_str!("../VENDORED.md");
        for v in VENDORED {
            let asset = find(v.path).unwrap_or_else(|| panic!("{} is not embedded", v.path));
            assert_eq!(hex(asset.bytes), v.sha256, "{} changed", v.path);
            let line = record
                .lines()
                .find(|l| l.contains(v.path))
                .unwrap_or_else(|| panic!("VENDORED.md has no row for {}", v.path));
            assert!(
                line.contains(v.sha256) && line.contains(v.version) && line.contains(v.package),
                "VENDORED.md's row for {} disagrees: {line}",
                v.path
            );
        }
        assert_eq!(VENDORED.len(), 2);
    }

    #[test]
    fn every_asset_is_found_and_unknown_paths_are_not() {
        for a in ASSETS {
            assert!(find(a.path).is_some());
            assert!(!a.bytes.is_empty());
        }
        assert!(find("../Cargo.toml").is_none());
        assert!(find("vendor").is_none());
    }
}
