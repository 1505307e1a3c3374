package io.attestream.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpServersTest {
    private final String before = System.getProperty(HttpServers.NO_DELAY_PROPERTY);

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(HttpServers.NO_DELAY_PROPERTY);
        } else {
            System.setProperty(HttpServers.NO_DELAY_PROPERTY, before);
        }
    }

    @Test
    void turnsNagleOffWhenTheOperatorSaidNothing() {
        System.clearProperty(HttpServers.NO_DELAY_PROPERTY);
        HttpServers.noDelay();
        assertThat(System.getProperty(HttpServers.NO_DELAY_PROPERTY)).isEqualTo("true");
    }

    @Test
    void keepsTheOperatorsChoice() {
        System.setProperty(HttpServers.NO_DELAY_PROPERTY, "false");
        HttpServers.noDelay();
        assertThat(System.getProperty(HttpServers.NO_DELAY_PROPERTY)).isEqualTo("false");
    }
}
