package org.replicator.core.scan;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Records every call so tests can assert what a scan reported. */
final class RecordingScanListener implements ScanListener {
  final List<String> hashed = Collections.synchronizedList(new ArrayList<>());
  final Map<String, IOException> failed = Collections.synchronizedMap(new LinkedHashMap<>());
  final List<String> invalid = Collections.synchronizedList(new ArrayList<>());
  final List<String> unsupported = Collections.synchronizedList(new ArrayList<>());

  @Override
  public void fileHashed(String path, long bytes) {
    hashed.add(path);
  }

  @Override
  public void pathFailed(String path, IOException error) {
    failed.put(path, error);
  }

  @Override
  public void invalidName(String directory, String printableName) {
    invalid.add(directory + "|" + printableName);
  }

  @Override
  public void unsupportedType(String path) {
    unsupported.add(path);
  }
}
