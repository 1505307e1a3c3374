package io.attestream.deploy.stack.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OrphanWatchdogTest {

    @Test
    void stopsTheServicesWhenTheParentDies() throws Exception {
        Process parent = new ProcessBuilder("sleep", "300").start();
        Process service = new ProcessBuilder("sleep", "300").start();
        Process watchdog = OrphanWatchdog.watch(parent.pid(), List.of(service.pid()));
        try {
            Thread.sleep(1500);
            assertThat(service.isAlive()).as("the parent lives, so does the service").isTrue();
            parent.destroyForcibly().waitFor();
            assertThat(service.waitFor(15, TimeUnit.SECONDS)).as("service stopped after its parent died").isTrue();
            assertThat(watchdog.waitFor(15, TimeUnit.SECONDS)).isTrue();
        } finally {
            parent.destroyForcibly();
            service.destroyForcibly();
            watchdog.destroyForcibly();
        }
    }

    @Test
    void leavesServicesAloneOnceDestroyed() throws Exception {
        Process parent = new ProcessBuilder("sleep", "300").start();
        Process service = new ProcessBuilder("sleep", "300").start();
        Process watchdog = OrphanWatchdog.watch(parent.pid(), List.of(service.pid()));
        try {
            watchdog.destroy();
            watchdog.waitFor(10, TimeUnit.SECONDS);
            parent.destroyForcibly().waitFor();
            Thread.sleep(2500);
            assertThat(service.isAlive()).isTrue();
        } finally {
            parent.destroyForcibly();
            service.destroyForcibly();
        }
    }
}
