//! Where the action writes its run directories, and how later steps of the job name them.
//!
//! A container action does not see the runner's temp directory: the runner (actions/runner
//! `ContainerActionHandler`) mounts only `<RUNNER_TEMP>/_github_home` at `/github/home`,
//! `<RUNNER_TEMP>/_github_workflow` at `/github/workflow`, the file-command directory and
//! the workspace, and it passes `RUNNER_TEMP` through as the *host* path (it translates
//! only values under a mounted directory). So inside the container the run directory goes
//! under `/github/home/octagit/`, and the outputs name it as the host sees it:
//! `$RUNNER_TEMP/_github_home/octagit/...`. In host mode both are `$RUNNER_TEMP/octagit/`.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// The container's view of the runner's home mount.
pub const CONTAINER_HOME: &str = "/github/home";
/// The container's working directory.
pub const CONTAINER_WORKSPACE: &str = "/github/workspace";

#[derive(Debug, Clone, PartialEq)]
pub struct ArtefactRoot {
    /// Where this process writes.
    pub here: PathBuf,
    /// The same directory for the steps after this one.
    pub host: PathBuf,
}

impl ArtefactRoot {
    /// `None` outside a runner (no `RUNNER_TEMP`): the pipeline picks its default.
    pub fn from_vars(vars: &BTreeMap<String, String>) -> Option<ArtefactRoot> {
        let get = |k: &str| vars.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let temp = PathBuf::from(get("RUNNER_TEMP")?);
        let in_container = get("HOME") == Some(CONTAINER_HOME)
            && get("GITHUB_WORKSPACE") == Some(CONTAINER_WORKSPACE);
        Some(if in_container {
            ArtefactRoot {
                here: PathBuf::from(CONTAINER_HOME).join("octagit"),
                host: temp.join("_github_home").join("octagit"),
            }
        } else {
            let dir = temp.join("octagit");
            ArtefactRoot {
                here: dir.clone(),
                host: dir,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn container_writes_under_the_home_mount_and_names_the_host_path() {
        let r = ArtefactRoot::from_vars(&vars(&[
            ("RUNNER_TEMP", "/home/runner/work/_temp"),
            ("HOME", "/github/home"),
            ("GITHUB_WORKSPACE", "/github/workspace"),
        ]))
        .unwrap();
        assert_eq!(r.here, PathBuf::from("/github/home/octagit"));
        assert_eq!(
            r.host,
            PathBuf::from("/home/runner/work/_temp/_github_home/octagit")
        );
    }

    #[test]
    fn host_mode_uses_runner_temp_directly() {
        let r = ArtefactRoot::from_vars(&vars(&[
            ("RUNNER_TEMP", "/home/runner/work/_temp"),
            ("HOME", "/home/runner"),
            ("GITHUB_WORKSPACE", "/home/runner/work/r/r"),
        ]))
        .unwrap();
        assert_eq!(r.here, r.host);
        assert_eq!(r.here, PathBuf::from("/home/runner/work/_temp/octagit"));
        assert_eq!(ArtefactRoot::from_vars(&vars(&[])), None);
    }
}
