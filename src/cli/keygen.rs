use std::path::PathBuf;

use crate::publish::sign;

#[derive(clap::Args)]
pub struct Args {
    /// Where to write the private key (PKCS#8 PEM, mode 0600); the public key
    /// goes beside it as `<out>.pub`. An existing file is never overwritten.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let fingerprint = sign::keygen(&args.out).map_err(anyhow::Error::msg)?;
    println!("private key: {}", args.out.display());
    println!("public key:  {}", sign::public_path(&args.out).display());
    println!("fingerprint (SHA-256 of the raw public key): {fingerprint}");
    println!(
        "publish the fingerprint out of band so difusores can pin the key (`corte verify --key`)."
    );
    Ok(())
}
