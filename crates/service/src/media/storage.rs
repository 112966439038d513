//! Where media bytes live: the [`MediaStorage`] trait (put a stream, open for a streamed
//! read, delete) and its filesystem implementation, [`FsStorage`]. An object store can be
//! added behind the same trait.

use std::io;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// A stream of bytes; an error item means the source failed (a client hung up, a fetch broke).
pub type ByteStream<'a> = BoxStream<'a, io::Result<Bytes>>;

/// What [`MediaStorage::put`] stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// The object's key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// Lowercase hex SHA-256 of its bytes.
    pub sha256: String,
}

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The stream was longer than allowed; nothing was kept.
    #[error("the file is larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// The source stream failed; nothing was kept.
    #[error("reading the file failed: {0}")]
    Source(io::Error),
    /// No object with that key.
    #[error("no stored media with that key")]
    NotFound,
    /// The key is not acceptable (only ASCII letters, digits, `_` and `-`).
    #[error("invalid storage key")]
    InvalidKey,
    /// The storage itself failed.
    #[error("media storage: {0}")]
    Io(io::Error),
}

/// Media bytes by key.
#[async_trait]
pub trait MediaStorage: Send + Sync + 'static {
    /// Stores `stream` under `key`, refusing (and keeping nothing) when it exceeds
    /// `max_bytes`. The object appears only once complete and durable.
    async fn put(
        &self,
        key: &str,
        stream: ByteStream<'_>,
        max_bytes: u64,
    ) -> Result<StoredObject, StorageError>;
    /// Opens `key` for a streamed read; answers the stream and the size.
    async fn open(&self, key: &str) -> Result<(ByteStream<'static>, u64), StorageError>;
    /// Deletes `key`; returns whether it existed.
    async fn delete(&self, key: &str) -> Result<bool, StorageError>;
}

/// Files under a root folder: `objects/<key>`, written to `tmp/` first, then renamed.
#[derive(Debug, Clone)]
pub struct FsStorage {
    root: PathBuf,
}

/// Read chunk size of [`FsStorage::open`].
const READ_CHUNK: usize = 64 * 1024;

impl FsStorage {
    /// Storage under `root` (e.g. `<data_dir>/media`); creates its folders.
    pub fn new(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(root.join("objects"))?;
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(Self { root })
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> Result<PathBuf, StorageError> {
        let valid = !key.is_empty()
            && key.len() <= 128
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid {
            return Err(StorageError::InvalidKey);
        }
        Ok(self.root.join("objects").join(key))
    }
}

async fn write_all(
    file: &mut tokio::fs::File,
    mut stream: ByteStream<'_>,
    max_bytes: u64,
) -> Result<(u64, String), StorageError> {
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(StorageError::Source)?;
        size = size.saturating_add(chunk.len() as u64);
        if size > max_bytes {
            return Err(StorageError::TooLarge { limit: max_bytes });
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(StorageError::Io)?;
    }
    file.flush().await.map_err(StorageError::Io)?;
    file.sync_all().await.map_err(StorageError::Io)?;
    Ok((size, hex::encode(hasher.finalize())))
}

#[async_trait]
impl MediaStorage for FsStorage {
    async fn put(
        &self,
        key: &str,
        stream: ByteStream<'_>,
        max_bytes: u64,
    ) -> Result<StoredObject, StorageError> {
        let path = self.path(key)?;
        let tmp = self.root.join("tmp").join(format!(
            "{key}.{}.part",
            switchboard_core::secret::random_hex(6)
        ));
        let mut file = tokio::fs::File::create(&tmp)
            .await
            .map_err(StorageError::Io)?;
        let written = write_all(&mut file, stream, max_bytes).await;
        drop(file);
        let (size, sha256) = match written {
            Ok(done) => done,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        if let Err(e) = tokio::fs::rename(&tmp, &path).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(StorageError::Io(e));
        }
        Ok(StoredObject {
            key: key.to_string(),
            size,
            sha256,
        })
    }

    async fn open(&self, key: &str) -> Result<(ByteStream<'static>, u64), StorageError> {
        let path = self.path(key)?;
        let file = match tokio::fs::File::open(&path).await {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(StorageError::NotFound),
            Err(e) => return Err(StorageError::Io(e)),
        };
        let size = file.metadata().await.map_err(StorageError::Io)?.len();
        let stream = tokio_util::io::ReaderStream::with_capacity(file, READ_CHUNK);
        Ok((stream.boxed(), size))
    }

    async fn delete(&self, key: &str) -> Result<bool, StorageError> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(StorageError::Io(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream_of(chunks: Vec<&'static [u8]>) -> ByteStream<'static> {
        futures::stream::iter(chunks.into_iter().map(|c| Ok(Bytes::from_static(c)))).boxed()
    }

    async fn read_all(mut s: ByteStream<'static>) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(c) = s.next().await {
            out.extend_from_slice(&c.expect("chunk"));
        }
        out
    }

    #[tokio::test]
    async fn put_open_delete_and_limits() {
        let dir = tempfile::tempdir().expect("dir");
        let fs = FsStorage::new(dir.path()).expect("storage");
        let stored = fs
            .put("med_a", stream_of(vec![b"hello ", b"world"]), 100)
            .await
            .expect("put");
        assert_eq!(stored.size, 11);
        assert_eq!(stored.sha256, hex::encode(Sha256::digest(b"hello world")));
        let (s, size) = fs.open("med_a").await.expect("open");
        assert_eq!(size, 11);
        assert_eq!(read_all(s).await, b"hello world");

        let too_big = fs.put("med_b", stream_of(vec![b"12345", b"678"]), 7).await;
        assert!(matches!(too_big, Err(StorageError::TooLarge { limit: 7 })));
        assert!(matches!(
            fs.open("med_b").await,
            Err(StorageError::NotFound)
        ));
        let broken: ByteStream<'static> = futures::stream::iter(vec![
            Ok(Bytes::from_static(b"x")),
            Err(io::Error::other("hung up")),
        ])
        .boxed();
        assert!(matches!(
            fs.put("med_c", broken, 100).await,
            Err(StorageError::Source(_))
        ));
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp"))
                .expect("tmp")
                .count(),
            0,
            "failed puts leave no temporary files"
        );
        assert!(matches!(
            fs.put("../x", stream_of(vec![b"x"]), 10).await,
            Err(StorageError::InvalidKey)
        ));
        assert!(fs.delete("med_a").await.expect("delete"));
        assert!(!fs.delete("med_a").await.expect("delete again"));
    }
}
