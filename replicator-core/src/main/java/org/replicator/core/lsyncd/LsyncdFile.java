package org.replicator.core.lsyncd;

import java.util.List;

/**
 * What {@link LsyncdParser} found in an lsyncd configuration: the {@code settings} tables, the
 * {@code sync} tables in file order, and every statement it could not follow (with its line).
 */
public record LsyncdFile(List<LuaValue.Table> settings, List<LuaValue.Table> syncs, List<ImportNote> notes) {
  public LsyncdFile {
    settings = List.copyOf(settings);
    syncs = List.copyOf(syncs);
    notes = List.copyOf(notes);
  }
}
