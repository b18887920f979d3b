//! A small TCP proxy between a desk and the clinic's server, for network faults: pass bytes on,
//! refuse connections, reset them, swallow them without a word (blackhole), or pass them late.
//! TLS goes through it untouched (it only moves bytes), so the desk still checks the server.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    Pass = 0,
    /// Close at once without a reply (the port answers, nothing listens behind it).
    Refuse = 1,
    /// Close connections, open and new, with a TCP reset.
    Reset = 2,
    /// Take the bytes and never answer (a dead link, a firewall dropping packets).
    Blackhole = 3,
    /// Pass bytes on 100 ms late.
    Delay = 4,
}

pub struct Proxy {
    pub addr: SocketAddr,
    mode: Arc<AtomicU8>,
    /// Bumped by each change of mode, so open connections notice a reset.
    generation: Arc<AtomicU8>,
    _runtime: tokio::runtime::Runtime,
}

impl Proxy {
    /// A proxy on a free loopback port to `upstream`, on its own runtime thread.
    pub fn start(upstream: SocketAddr) -> Proxy {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("proxy runtime");
        let mode = Arc::new(AtomicU8::new(Mode::Pass as u8));
        let generation = Arc::new(AtomicU8::new(0));
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let (m, g) = (mode.clone(), generation.clone());
        runtime.spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let (m, g) = (m.clone(), g.clone());
                tokio::spawn(async move { serve(conn, upstream, m, g).await });
            }
        });
        Proxy { addr, mode, generation, _runtime: runtime }
    }

    pub fn set(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

fn mode_of(m: &AtomicU8) -> Mode {
    match m.load(Ordering::SeqCst) {
        1 => Mode::Refuse,
        2 => Mode::Reset,
        3 => Mode::Blackhole,
        4 => Mode::Delay,
        _ => Mode::Pass,
    }
}

fn reset(conn: TcpStream) {
    // SO_LINGER 0: closing sends RST instead of FIN.
    let _ = conn.set_zero_linger();
    drop(conn);
}

async fn serve(conn: TcpStream, upstream: SocketAddr, mode: Arc<AtomicU8>, generation: Arc<AtomicU8>) {
    match mode_of(&mode) {
        Mode::Refuse => return,
        Mode::Reset => return reset(conn),
        Mode::Blackhole => return swallow(conn).await,
        Mode::Pass | Mode::Delay => {}
    }
    let Ok(up) = TcpStream::connect(upstream).await else { return reset(conn) };
    let started = generation.load(Ordering::SeqCst);
    let (mut cr, mut cw) = conn.into_split();
    let (mut ur, mut uw) = up.into_split();
    let m1 = mode.clone();
    let m2 = mode.clone();
    let g1 = generation.clone();
    let g2 = generation.clone();
    let to_server = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if g1.load(Ordering::SeqCst) != started && mode_of(&m1) != Mode::Pass {
                if mode_of(&m1) == Mode::Blackhole {
                    // Hold on to the connection, say nothing.
                    futures_pending().await;
                }
                return;
            }
            if mode_of(&m1) == Mode::Delay {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            if uw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let to_client = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match ur.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if g2.load(Ordering::SeqCst) != started && mode_of(&m2) != Mode::Pass {
                if mode_of(&m2) == Mode::Blackhole {
                    futures_pending().await;
                }
                return;
            }
            if mode_of(&m2) == Mode::Delay {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            if cw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    // Either side ending ends both (dropping the halves closes the sockets; a reset mode's
    // change shows as the connection dying mid-call).
    tokio::select! {
        _ = to_server => {}
        _ = to_client => {}
    }
}

async fn swallow(mut conn: TcpStream) {
    let mut buf = vec![0u8; 4096];
    while let Ok(n) = conn.read(&mut buf).await {
        if n == 0 {
            return;
        }
    }
}

async fn futures_pending() {
    std::future::pending::<()>().await
}
