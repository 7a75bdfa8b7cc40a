//! The command line both example servers read (examples/s3_server, examples/s3s_server):
//! `--listen ADDR` (`localhost:PORT` means 127.0.0.1:PORT), `--allow-non-loopback` and
//! `--vary s3|always`. Each server names itself and may word `--vary`'s help its own way.

use std::net::{Ipv4Addr, SocketAddr};

use bucket_cors::VaryPolicy;
use clap::error::ErrorKind;
use clap::{CommandFactory as _, FromArgMatches as _, Parser};

/// The `Vary` policy of S3-dialect configurations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Vary {
    /// Vary only on responses a rule allowed.
    S3,
    /// Also `Vary: Origin` on every other response of a bucket with CORS.
    Always,
}

impl From<Vary> for VaryPolicy {
    fn from(vary: Vary) -> Self {
        match vary {
            Vary::S3 => VaryPolicy::S3,
            Vary::Always => VaryPolicy::Always,
        }
    }
}

/// The command line.
#[derive(Debug, PartialEq, Eq, Parser)]
pub struct Args {
    /// Address to listen on (port 0 picks a free port); `localhost:PORT` means
    /// 127.0.0.1:PORT
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9000", value_parser = parse_addr)]
    pub listen: SocketAddr,
    /// Allow an address other than a loopback one
    #[arg(long)]
    pub allow_non_loopback: bool,
    /// The `Vary` policy of S3-dialect configurations
    #[arg(long, value_name = "POLICY", value_enum, default_value_t = Vary::S3)]
    pub vary: Vary,
}

fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    let parsed = match text.strip_prefix("localhost:") {
        Some(port) => port
            .parse()
            .ok()
            .map(|port| SocketAddr::from((Ipv4Addr::LOCALHOST, port))),
        None => text.parse().ok(),
    };
    parsed.ok_or_else(|| "expected IP:PORT or localhost:PORT".to_owned())
}

impl Args {
    /// The command of a server: its name and `--help` summary, and `--vary`'s help.
    pub fn command_for(
        name: &'static str,
        about: &'static str,
        vary: &'static str,
    ) -> clap::Command {
        Args::command()
            .name(name)
            .about(about)
            .mut_arg("vary", |arg| arg.help(vary))
    }

    /// Reads the command line (the program name first) with `command` (from
    /// [`Args::command_for`]) and applies the loopback guard.
    pub fn parse_with<I, T>(command: &clap::Command, args: I) -> Result<Args, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = command.clone().try_get_matches_from(args)?;
        let args =
            Args::from_arg_matches(&matches).map_err(|err| err.format(&mut command.clone()))?;
        if !args.listen.ip().is_loopback() && !args.allow_non_loopback {
            return Err(command.clone().error(
                ErrorKind::ValueValidation,
                format!(
                    "{} is not a loopback address; pass --allow-non-loopback to listen on it",
                    args.listen
                ),
            ));
        }
        Ok(args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command() -> clap::Command {
        Args::command_for("server", "A server.", "The `Vary` policy")
    }

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::parse_with(
            &command(),
            std::iter::once("server").chain(args.iter().copied()),
        )
    }

    fn refused(args: &[&str]) -> clap::Error {
        parse(args).expect_err("the command line should be refused")
    }

    #[test]
    fn the_command_line_is_well_formed() {
        command().debug_assert();
    }

    /// The including server's own command (`command()` in its main.rs): well formed, and its
    /// `--help` names the server and gives its summary and its `--vary` help.
    #[test]
    fn the_servers_command_names_it() {
        let command = crate::command();
        command.clone().debug_assert();
        let name = command.get_name();
        let about = command.get_about().expect("a summary").to_string();
        let vary = command
            .get_arguments()
            .find(|arg| arg.get_id() == "vary")
            .and_then(|arg| arg.get_help())
            .expect("--vary's help")
            .to_string();
        let text = Args::parse_with(&command, [name, "--help"])
            .unwrap_err()
            .to_string();
        for said in [format!("Usage: {name}"), about, vary] {
            assert!(text.contains(&said), "{said} missing from:\n{text}");
        }
    }

    #[test]
    fn defaults_to_loopback_port_9000() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.listen, "127.0.0.1:9000".parse().unwrap());
        assert!(!args.allow_non_loopback);
        assert_eq!(VaryPolicy::from(args.vary), VaryPolicy::S3);
    }

    #[test]
    fn reads_the_vary_policy() {
        assert_eq!(
            VaryPolicy::from(parse(&["--vary", "always"]).unwrap().vary),
            VaryPolicy::Always
        );
        assert_eq!(
            VaryPolicy::from(parse(&["--vary=s3"]).unwrap().vary),
            VaryPolicy::S3
        );
        assert_eq!(
            refused(&["--vary", "sometimes"]).kind(),
            ErrorKind::InvalidValue
        );
        assert_eq!(refused(&["--vary"]).kind(), ErrorKind::InvalidValue);
    }

    #[test]
    fn reads_the_listen_address_in_both_spellings() {
        assert_eq!(
            parse(&["--listen", "127.0.0.1:0"]).unwrap().listen.port(),
            0
        );
        assert_eq!(
            parse(&["--listen=[::1]:9100"]).unwrap().listen,
            "[::1]:9100".parse().unwrap()
        );
        assert_eq!(
            parse(&["--listen", "localhost:9200"]).unwrap().listen,
            "127.0.0.1:9200".parse().unwrap()
        );
    }

    #[test]
    fn refuses_a_non_loopback_address_unless_told() {
        let err = refused(&["--listen", "0.0.0.0:9000"]);
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("not a loopback address"), "{err}");
        assert!(err.to_string().contains("--allow-non-loopback"), "{err}");
        let args = parse(&["--listen", "0.0.0.0:9000", "--allow-non-loopback"]).unwrap();
        assert!(args.allow_non_loopback);
    }

    #[test]
    fn refuses_bad_arguments() {
        assert_eq!(refused(&["--listen"]).kind(), ErrorKind::InvalidValue);
        let nowhere = refused(&["--listen", "nowhere"]);
        assert_eq!(nowhere.kind(), ErrorKind::ValueValidation);
        assert!(nowhere.to_string().contains("IP:PORT"), "{nowhere}");
        assert_eq!(refused(&["--port", "1"]).kind(), ErrorKind::UnknownArgument);
        assert_eq!(
            refused(&["--allow-non-loopback=yes"]).kind(),
            ErrorKind::TooManyValues
        );
        for help in ["--help", "-h"] {
            let err = refused(&[help]);
            assert_eq!(err.kind(), ErrorKind::DisplayHelp);
            assert_eq!(err.exit_code(), 0);
            let text = err.to_string();
            for flag in ["--listen <ADDR>", "--allow-non-loopback", "--vary <POLICY>"] {
                assert!(text.contains(flag), "{flag} missing from:\n{text}");
            }
        }
    }
}
