//! `kroute webhook`: the flags, turned into the options `kroute check` would use.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use super::{policy_engine, FailOn, LoadArgs, EXIT_OK, EXIT_USAGE};
use crate::cluster::ClusterOptions;
use crate::pipeline::CheckOptions;
use crate::webhook::{self, Policy};

#[derive(Args, Debug)]
pub struct WebhookArgs {
    /// Address to listen on (port 0: any free port; the address is logged as `listening on ADDR`)
    #[arg(long, default_value = "0.0.0.0:8443", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// PEM certificate chain; read again when the file changes (cert-manager rotation)
    #[arg(long, value_name = "FILE")]
    pub tls_cert: PathBuf,
    /// PEM private key; read again when the file changes
    #[arg(long, value_name = "FILE")]
    pub tls_key: PathBuf,
    /// Files or directories of manifests (a GitOps checkout) that requests are judged
    /// against; loaded again when they change (repeatable)
    #[arg(long, value_name = "PATH")]
    pub inventory: Vec<PathBuf>,
    /// Judge against the live cluster, watched with list/watch (in-cluster service account
    /// or kubeconfig); ready once every watched kind has been listed
    #[arg(long, conflicts_with = "inventory")]
    pub cluster: bool,
    /// Kubeconfig file for --cluster (default: KUBECONFIG, ~/.kube/config, then in-cluster)
    #[arg(long, value_name = "FILE", requires = "cluster")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context for --cluster (default: its current context)
    #[arg(long, value_name = "NAME", requires = "cluster")]
    pub context: Option<String>,
    /// Lowest severity that denies a request; lower findings are warnings
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub deny_on: FailOn,
    /// Lowest severity returned as a warning
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub warn_on: FailOn,
    /// Never deny: every finding is returned as a warning
    #[arg(long)]
    pub dry_run: bool,
    /// Longest time spent judging one request, in milliseconds; past it the request is
    /// allowed with a warning (keep it well under the webhook's timeoutSeconds)
    #[arg(long, default_value_t = 3000, value_name = "MS")]
    pub timeout_ms: u64,
    /// Also enforce the policies in PATH, besides the built-in ones and the config's (repeatable)
    #[arg(long = "policy", value_name = "PATH")]
    pub policy: Vec<PathBuf>,
    /// Evaluate no policy: the rules only
    #[arg(long, conflicts_with = "policy")]
    pub no_policies: bool,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn run(args: &WebhookArgs, err: &mut dyn Write) -> std::io::Result<u8> {
    let Some(check) = check_options(args, err)? else {
        return Ok(EXIT_USAGE);
    };
    let options = webhook::Options {
        listen: args.listen,
        cert: args.tls_cert.clone(),
        key: args.tls_key.clone(),
        inventory: args.inventory.clone(),
        cluster: args.cluster.then(|| ClusterOptions {
            kubeconfig: args.kubeconfig.clone(),
            context: args.context.clone(),
        }),
        check,
        policy: Policy {
            deny_on: args.deny_on.into(),
            warn_on: args.warn_on.into(),
            dry_run: args.dry_run,
            timeout: Duration::from_millis(args.timeout_ms),
        },
    };
    match webhook::serve(options, err) {
        Ok(()) => Ok(EXIT_OK),
        Err(e) => {
            writeln!(err, "kroute webhook: {e}")?;
            Ok(EXIT_USAGE)
        }
    }
}

/// The config, platforms and policies as `kroute check` reads them.
fn check_options(args: &WebhookArgs, err: &mut dyn Write) -> std::io::Result<Option<CheckOptions>> {
    let Some(loading) = args.load.loading(err)? else {
        return Ok(None);
    };
    let policies = if args.no_policies {
        None
    } else {
        let mut paths = loading.config.policy_paths.clone();
        paths.extend(args.policy.iter().cloned());
        let Some(engine) = policy_engine(&paths, &loading.config.findings, err)? else {
            return Ok(None);
        };
        Some(Arc::new(engine))
    };
    let Some(locations) = super::schema_locations(loading.config.schema_locations.iter(), err)?
    else {
        return Ok(None);
    };
    Ok(Some(CheckOptions {
        policies,
        schema: crate::schema::Options {
            strict: loading.config.strict != Some(false),
            locations,
            ..crate::schema::Options::default()
        },
        load: loading.options,
        platforms: loading.platforms,
        external: loading.external,
        findings: loading.config.findings,
        template_kinds: loading.config.template_kinds,
        ..CheckOptions::default()
    }))
}
