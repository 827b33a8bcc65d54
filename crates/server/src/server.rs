//! Embedding: start a server from a configuration on its own thread, learn
//! the address it bound, stop it.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use mio::Waker;

use crate::config::ServerConfig;
use crate::durable;
use crate::network::{now_ms, EventLoop, Restored};
use crate::sessions::SessionTracker;
use crate::{Processor, ProcessorOptions};

/// A running server. Dropping it stops it.
pub struct ServerHandle {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    waker: Arc<Waker>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

pub struct Server;

impl Server {
    /// Binds `clientPortAddress:clientPort` (port 0 picks a free port) and
    /// serves on a new thread.
    pub fn start(config: ServerConfig) -> io::Result<ServerHandle> {
        crate::sys::raise_open_file_limit();
        if let Some(dir) = &config.data_dir {
            std::fs::create_dir_all(dir)?;
        }
        let addr = SocketAddr::new(config.client_port_address, config.client_port);
        let std_listener = std::net::TcpListener::bind(addr)?;
        std_listener.set_nonblocking(true)?;
        let listener = mio::net::TcpListener::from_std(std_listener);
        let addr = listener.local_addr()?;
        let opts = ProcessorOptions {
            super_digest: config.super_digest.clone(),
            max_buffer: config.max_buffer,
        };
        let now = now_ms();
        // With a data directory, state comes back from it and every write
        // is logged; without one the server keeps everything in memory.
        let (processor, sessions, durability) = match &config.data_dir {
            Some(dir) => {
                let (p, s, d) = durable::open(&config, dir, opts, now)?;
                (p, s, Some(d))
            }
            None => (
                Processor::new(opts),
                SessionTracker::new(config.tick_time_ms, now),
                None,
            ),
        };
        let stop = Arc::new(AtomicBool::new(false));
        let restored = Restored {
            sessions,
            durability,
        };
        let (mut event_loop, waker) =
            EventLoop::new(config, processor, listener, stop.clone(), restored)?;
        let thread = std::thread::Builder::new()
            .name("zkserver".into())
            .spawn(move || event_loop.run())?;
        Ok(ServerHandle {
            addr,
            stop,
            waker,
            thread: Some(thread),
        })
    }
}

impl ServerHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving and waits for the loop to finish; connections close.
    pub fn stop(mut self) -> io::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> io::Result<()> {
        self.stop.store(true, Ordering::Release);
        let _ = self.waker.wake();
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("server thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
