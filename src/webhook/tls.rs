//! The server's certificate and key, read from PEM files and read again when they change:
//! cert-manager (and the kubelet's Secret volumes) replace both files at once by swapping
//! a `..data` symlink, so the files are compared by content, not by inode or name.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

/// Where the certificate chain and key are, and the last contents loaded.
#[derive(Debug)]
pub struct Files {
    pub cert: PathBuf,
    pub key: PathBuf,
    loaded: (Vec<u8>, Vec<u8>),
}

impl Files {
    /// Reads both files and builds the TLS configuration of their contents.
    pub fn load(cert: &Path, key: &Path) -> Result<(Files, Arc<ServerConfig>), String> {
        let contents = read(cert, key)?;
        let config = config(&contents)?;
        let files = Files {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            loaded: contents,
        };
        Ok((files, config))
    }

    /// The configuration of the files' new contents when they changed since last loaded;
    /// `Ok(None)` when unchanged. A pair that does not load (a half-written rotation) is an
    /// error and the previous pair stays in use.
    pub fn reload(&mut self) -> Result<Option<Arc<ServerConfig>>, String> {
        let contents = read(&self.cert, &self.key)?;
        if contents == self.loaded {
            return Ok(None);
        }
        let config = config(&contents)?;
        self.loaded = contents;
        Ok(Some(config))
    }
}

fn read(cert: &Path, key: &Path) -> Result<(Vec<u8>, Vec<u8>), String> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
    Ok((read(cert)?, read(key)?))
}

/// A TLS 1.2 and 1.3 server configuration (ring provider) for a PEM chain and key.
fn config((cert, key): &(Vec<u8>, Vec<u8>)) -> Result<Arc<ServerConfig>, String> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("certificate: {e}"))?;
    if chain.is_empty() {
        return Err("certificate: no PEM certificate in the file".to_string());
    }
    let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| format!("key: {e}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("certificate and key: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
