//! zkserver: the bundled standalone ZooKeeper server.
//!
//!   zkserver [zoo.cfg] [--port N] [--data-dir DIR] [--bind ADDR]
//!
//!   zkserver --dump-log DIR|FILE
//!   zkserver --dump-snapshot FILE
//!
//! Flags override the file. Port 0 picks a free port. The bound address is
//! printed as `zkserver listening on HOST:PORT`. SIGTERM or SIGINT stops it.
//! The dump modes print a data directory's transaction logs (DIR is the
//! dataDir, the dataLogDir, their `version-2`, or one log file) or one
//! snapshot, and exit non-zero at the first corruption.

use std::io::{ErrorKind, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use zkrs_server::config::ServerConfig;
use zkrs_server::server::Server;
use zkrs_server::storage::{self, StorageError};

const USAGE: &str = "usage: zkserver [zoo.cfg] [--port N] [--data-dir DIR] [--bind ADDR]
       zkserver --dump-log DIR|FILE
       zkserver --dump-snapshot FILE";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("zkserver: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(mode @ ("--dump-log" | "--dump-snapshot")) = args.first().map(String::as_str) {
        return dump(mode, &args[1..]);
    }
    let mut cfg_path: Option<PathBuf> = None;
    let mut port: Option<u16> = None;
    let mut data_dir: Option<PathBuf> = None;
    let mut bind: Option<std::net::IpAddr> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--port" => {
                let v = value("--port")?;
                port = Some(
                    v.parse()
                        .map_err(|_| format!("--port: {v:?} is not a port number (0-65535)"))?,
                );
            }
            "--data-dir" => data_dir = Some(PathBuf::from(value("--data-dir")?)),
            "--bind" => {
                let v = value("--bind")?;
                bind = Some(
                    v.trim_matches(|c| c == '[' || c == ']')
                        .parse()
                        .map_err(|_| format!("--bind: {v:?} is not an IP address"))?,
                );
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            s if s.starts_with('-') => return Err(format!("unknown option {s}\n{USAGE}")),
            s => {
                if cfg_path.is_some() {
                    return Err(format!("only one configuration file may be given\n{USAGE}"));
                }
                cfg_path = Some(PathBuf::from(s));
            }
        }
    }
    let mut config = match &cfg_path {
        Some(p) => {
            let (c, warnings) =
                ServerConfig::load(p).map_err(|e| format!("{}: {e}", p.display()))?;
            for w in warnings {
                eprintln!("zkserver: warning: {}: {w}", p.display());
            }
            c
        }
        None => ServerConfig::default(),
    };
    if let Some(p) = port {
        config.client_port = p;
    }
    if let Some(d) = data_dir {
        config.data_dir = Some(d);
    }
    if let Some(b) = bind {
        config.client_port_address = b;
    }

    // Block the stop signals before any thread starts, so that only the
    // sigwait below receives them.
    let stop = zkrs_server::sys::StopSignals::block();

    let handle = Server::start(config).map_err(|e| format!("cannot start: {e}"))?;
    let mut out = std::io::stdout();
    let _ = writeln!(out, "zkserver listening on {}", handle.local_addr());
    let _ = out.flush();

    stop.wait();
    handle.stop().map_err(|e| format!("stopping: {e}"))?;
    Ok(())
}

/// `--dump-log DIR` or `--dump-snapshot FILE`: prints, then exits.
fn dump(mode: &str, rest: &[String]) -> Result<(), String> {
    let [target] = rest else {
        return Err(format!("{mode} takes exactly one path\n{USAGE}"));
    };
    let path = std::path::Path::new(target);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let result = if mode == "--dump-log" {
        storage::dump_log(path, &mut out)
    } else {
        storage::dump_snapshot(path, &mut out)
    };
    let flushed = out.flush();
    match result {
        // A reader that stopped early (`| head`) is not an error.
        Err(StorageError::Io { source, .. }) if source.kind() == ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e.to_string()),
        Ok(()) => match flushed {
            Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(format!("writing output: {e}")),
            _ => Ok(()),
        },
    }
}
