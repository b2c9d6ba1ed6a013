//! A real HTTP/1.1 client (hyper) over TCP or TLS (rustls, trusting given certificates),
//! for the webhook's tests and its load generator.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{handshake, SendRequest};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::{pem::PemObject, CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// An ingress Gateway and its workload and Service: what the requests of the webhook's
/// tests are judged against.
pub const INGRESS: &str = r#"
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [shop.example.com]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata: {labels: {istio: ingressgateway}}
    spec:
      containers:
      - name: istio-proxy
        image: docker.io/istio/proxyv2:1.22.0
        ports: [{containerPort: 8080, name: http2}]
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  ports: [{name: http2, port: 80, targetPort: 8080}]
"#;

/// One keep-alive connection.
pub struct Client {
    sender: SendRequest<Full<Bytes>>,
    /// The certificate the server presented (TLS only).
    pub peer: Option<Vec<u8>>,
}

/// A TLS client configuration trusting the PEM certificates `trusted` (ring provider).
pub fn tls_config(trusted: &[&str]) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for pem in trusted {
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            roots
                .add(cert.expect("PEM certificate"))
                .expect("trusted certificate");
        }
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

impl Client {
    /// Connects over TLS to `addr`, checking the certificate for `localhost`.
    pub async fn tls(addr: SocketAddr, config: Arc<ClientConfig>) -> std::io::Result<Client> {
        let tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        let name = ServerName::try_from("localhost").expect("server name");
        let tls = TlsConnector::from(config).connect(name, tcp).await?;
        let peer = tls
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|c| c.first())
            .map(|c| c.as_ref().to_vec());
        let io = TokioIo::new(tls);
        let (sender, conn) = handshake(io).await.map_err(std::io::Error::other)?;
        tokio::spawn(conn);
        Ok(Client { sender, peer })
    }

    /// Connects over plain TCP (the in-process contract tests).
    pub async fn plain(addr: SocketAddr) -> std::io::Result<Client> {
        let tcp = TcpStream::connect(addr).await?;
        let io = TokioIo::new(tcp);
        let (sender, conn) = handshake(io).await.map_err(std::io::Error::other)?;
        tokio::spawn(conn);
        Ok(Client { sender, peer: None })
    }

    /// Sends one request; the status and body of the answer.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> std::io::Result<(u16, Vec<u8>)> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost");
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(std::io::Error::other)?;
        self.sender.ready().await.map_err(std::io::Error::other)?;
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(std::io::Error::other)?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(std::io::Error::other)?
            .to_bytes();
        Ok((status, body.to_vec()))
    }

    pub async fn get(&mut self, path: &str) -> std::io::Result<(u16, String)> {
        let (status, body) = self.send("GET", path, None, Vec::new()).await?;
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }

    /// POSTs an AdmissionReview as JSON; the status and the body parsed as JSON (null when
    /// it is not JSON).
    pub async fn review(
        &mut self,
        review: &serde_json::Value,
    ) -> std::io::Result<(u16, serde_json::Value)> {
        let body = serde_json::to_vec(review).expect("JSON");
        let (status, body) = self
            .send("POST", "/validate", Some("application/json"), body)
            .await?;
        Ok((status, serde_json::from_slice(&body).unwrap_or_default()))
    }
}
