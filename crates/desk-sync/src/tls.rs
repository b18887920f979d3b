//! TLS to the clinic's server with the certificate and host name checked (what libpq calls
//! `verify-full`). tokio-postgres only knows disable/prefer/require, so the checking is rustls's
//! own: its webpki verifier, with the clinic's CA (or the public roots) as the only trust.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use crate::errors::SyncError;

/// A client configuration that trusts the CA in `ca_file` (PEM), or the public roots when it
/// is empty.
pub fn client_config(ca_file: &str) -> Result<ClientConfig, SyncError> {
    let mut roots = RootCertStore::empty();
    if ca_file.trim().is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    } else {
        let path = Path::new(ca_file.trim());
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .map_err(|e| SyncError::CaFile(format!("{}: {e}", path.display())))?
            .collect::<Result<_, _>>()
            .map_err(|e| SyncError::CaFile(format!("{}: {e}", path.display())))?;
        if certs.is_empty() {
            return Err(SyncError::CaFile(format!("{} holds no certificate", path.display())));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| SyncError::CaFile(format!("{}: {e}", path.display())))?;
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SyncError::Certificate(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}
