//! Embeds every table definition in `data/tables/` so that adding a table kind is adding a
//! file: the generated list names each file and includes its text.

use std::fmt::Write as _;

fn main() {
    let dir = std::path::Path::new("data/tables");
    println!("cargo:rerun-if-changed=data/tables");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("data/tables is part of the crate")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    let mut code = String::from(
        "/// Every table definition file: (file name, text).\npub(crate) const TABLE_FILES: &[(&str, &str)] = &[\n",
    );
    for name in &names {
        let path = std::fs::canonicalize(dir.join(name)).expect("listed file exists");
        println!("cargo:rerun-if-changed={}", path.display());
        let _ = writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("table_files.rs"), code).expect("OUT_DIR is writable");
}
